/**
 * The AWS model itself, through the same real SDK clients the release tool builds: that each
 * protocol layer round-trips, that faults reach the SDK's own retry and timeout code, and that
 * the documented timing rules (late datapoints, lifecycle day boundaries, listener read lag) hold.
 */
import { DescribeAutoScalingGroupsCommand, AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { GetDeploymentGroupCommand, ListDeploymentsCommand } from "@aws-sdk/client-codedeploy";
import { AddTagsCommand, DeleteListenerCommand, DescribeListenersCommand, ElasticLoadBalancingV2Client, ModifyListenerCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { createHash } from "node:crypto";
import { awsClients, type AwsClients } from "../../release/context";
import { Scenario } from "./scenario";

describe("AWS model", function () {
  let s: Scenario;
  let aws: AwsClients;
  /** Runs an SDK call to its end in virtual time. */
  const call = <T>(promise: Promise<T>) => s.driver.run(promise, 3_600_000, "SDK call");

  beforeEach(async function () {
    s = await Scenario.create(this.currentTest!.title, { stack: "staging" });
    aws = awsClients(s.env.AWS_REGION!);
  });
  afterEach(async () => {
    await s.close();
  });

  it("answers every client the release tool builds, and Auto Scaling's, through AWS_ENDPOINT_URL", async () => {
    const { Listeners = [] } = await call(aws.elb.send(new DescribeListenersCommand({ ListenerArns: [s.env.ALB_LISTENER_ARN!] })));
    expect(Listeners[0]!.DefaultActions![0]!.ForwardConfig!.TargetGroups!.map((g) => g.Weight)).to.deep.equal([100, 0]);

    const autoscaling = new AutoScalingClient({ region: s.env.AWS_REGION! });
    const { AutoScalingGroups = [] } = await call(autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [s.env.BLUE_ASG_NAME!] })));
    expect(AutoScalingGroups.map((g) => [g.MinSize, g.MaxSize, g.HealthCheckType, g.TargetGroupARNs])).to.deep.equal([[1, 2, "ELB", [s.env.BLUE_TARGET_GROUP_ARN]]]);

    const { deploymentGroupInfo } = await call(
      aws.codedeploy.send(new GetDeploymentGroupCommand({ applicationName: s.env.CODEDEPLOY_APPLICATION_NAME!, deploymentGroupName: s.env.GREEN_DEPLOYMENT_GROUP! })),
    );
    expect(deploymentGroupInfo!.alarmConfiguration!.alarms!.map((a) => a.name)).to.include("bluegreen-staging-green-target-5xx-rate");

    const declared = s.world.cloudwatch.alarms.get("bluegreen-staging-green-target-5xx-rate")!;
    const { MetricAlarms = [] } = await call(aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [declared.name] })));
    expect(MetricAlarms.map((a) => [a.EvaluationPeriods, a.DatapointsToAlarm, a.Metrics?.map((m) => m.Id)])).to.deep.equal([
      [declared.evaluationPeriods, declared.datapointsToAlarm, declared.queries.map((q) => q.id)],
    ]);

    const bucket = s.env.CODEDEPLOY_S3_BUCKET!;
    const put = await call(aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: "revisions/x/b.zip", Body: Buffer.from("bundle") })));
    const head = await call(aws.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: "revisions/x/b.zip", VersionId: put.VersionId })));
    expect(put.VersionId).to.be.a("string").and.equal(head.VersionId);
    expect(head.ETag).to.equal(put.ETag).and.equal(`"${createHash("md5").update("bundle").digest("hex")}"`);
  });

  it("fails an operation it does not implement loudly, without the SDK retrying it", async () => {
    const error = await call(aws.elb.send(new DeleteListenerCommand({ ListenerArn: s.env.ALB_LISTENER_ARN! }))).catch((e: Error & { $metadata: { attempts: number } }) => e);
    expect((error as Error).name).to.equal("ModelDoesNotImplement");
    expect((error as { $metadata: { attempts: number } }).$metadata.attempts).to.equal(1);
    expect(s.world.endpoint.unknownOperations).to.deep.equal(["elasticloadbalancing:DeleteListener"]);
  });

  it("throttles with each service's own code, and the SDK's own retries ride it out on the virtual clock", async () => {
    s.world.faults.add({ kind: "throttle", service: "monitoring", times: 2 });
    s.world.faults.add({ kind: "throttle", service: "codedeploy", times: 2 });
    const started = s.clock.now();
    const alarms = await call(aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ["bluegreen-staging-alb-5xx"] })));
    const list = await call(aws.codedeploy.send(new ListDeploymentsCommand({ applicationName: s.env.CODEDEPLOY_APPLICATION_NAME! })));
    expect([alarms.$metadata.attempts, list.$metadata.attempts]).to.deep.equal([3, 3]);
    expect(s.world.endpoint.calls.map((c) => c.outcome)).to.deep.equal(["Throttling", "Throttling", "ok", "ThrottlingException", "ThrottlingException", "ok"]);
    expect(s.clock.now() - started, "back-off waited in virtual time").to.be.greaterThan(0);
  });

  it("leaves a hung call unanswered: the SDK's request timeout (throwOnRequestTimeout) ends it in virtual time", async () => {
    const elb = new ElasticLoadBalancingV2Client({ region: s.env.AWS_REGION!, maxAttempts: 2, requestHandler: { requestTimeout: 10_000, throwOnRequestTimeout: true } });
    s.world.faults.add({ kind: "hang", service: "elasticloadbalancing", operation: "DescribeListeners", times: 1 });
    const started = s.clock.now();
    const answer = await call(elb.send(new DescribeListenersCommand({ ListenerArns: [s.env.ALB_LISTENER_ARN!] })));
    expect(answer.$metadata.attempts).to.equal(2);
    expect(s.clock.now() - started).to.be.at.least(10_000);
    expect(s.world.endpoint.calls.map((c) => c.outcome)).to.deep.equal(["hung", "ok"]);
  });

  it("shows a listener write to reads only after the lag, but answers ModifyListener with the new actions", async () => {
    const arn = s.env.ALB_LISTENER_ARN!;
    const weights = (listener: { DefaultActions?: { ForwardConfig?: { TargetGroups?: { Weight?: number }[] } }[] }) =>
      listener.DefaultActions![0]!.ForwardConfig!.TargetGroups!.map((g) => g.Weight);
    const groups = (blue: number) => [{ TargetGroupArn: s.env.BLUE_TARGET_GROUP_ARN!, Weight: blue }, { TargetGroupArn: s.env.GREEN_TARGET_GROUP_ARN!, Weight: 100 - blue }];
    const modified = await call(aws.elb.send(new ModifyListenerCommand({ ListenerArn: arn, DefaultActions: [{ Type: "forward", ForwardConfig: { TargetGroups: groups(50) } }] })));
    expect(weights(modified.Listeners![0]!)).to.deep.equal([50, 50]);
    const read = async () => weights((await call(aws.elb.send(new DescribeListenersCommand({ ListenerArns: [arn] })))).Listeners![0]!);
    expect(await read()).to.deep.equal([100, 0]);
    await s.advance(s.world.elb.listenerReadLagMs);
    expect(await read()).to.deep.equal([50, 50]);
    expect(s.weights()).to.deep.equal({ blue: 50, green: 50 });
  });

  it("refuses tag values outside ELB's character set with a ValidationError", async () => {
    const tag = (Value: string) => aws.elb.send(new AddTagsCommand({ ResourceArns: [s.env.BLUE_TARGET_GROUP_ARN!], Tags: [{ Key: "bluegreen:verified-version", Value }] }));
    await call(tag("v1.2-rc+3 build:7/x=y@z_"));
    const error = await call(tag("v1 (rc)")).catch((e: Error) => e);
    expect((error as Error).name).to.equal("ValidationError");
    expect(s.targetGroup("blue").tags.get("bluegreen:verified-version")).to.equal("v1.2-rc+3 build:7/x=y@z_");
  });

  it("cannot put a 60 s, 2-of-3 alarm into ALARM sooner than two periods plus the publication delay", async () => {
    const name = "bluegreen-staging-green-p99-latency";
    const alarm = s.world.cloudwatch.alarms.get(name)!;
    const dims = alarm.queries[0]!.metric!.dimensions;
    const start = Math.ceil(s.clock.now() / 60_000) * 60_000;
    await s.driver.advanceTo(start);
    // Every request from `start` on takes 3 s: the datapoints of each minute breach.
    for (let minute = 0; minute < 4; minute++) {
      const periodStart = start + minute * 60_000;
      s.world.cloudwatch.publish("AWS/ApplicationELB", "TargetResponseTime", dims, { periodStart, sum: 300, count: 100, min: 3, max: 3, histogram: new Map([[3, 100]]) });
    }
    let firedAt: number | undefined;
    s.world.observe((e) => {
      if (e.type === "alarm" && e.name === name && e.state === "ALARM") firedAt ??= e.time;
    });
    await s.advance(5 * 60_000);
    expect(firedAt! - start).to.equal(2 * 60_000 + s.world.cloudwatch.publishDelayMs + 1);
  });

  it("expires by lifecycle at the midnight UTC after creation (or becoming noncurrent) plus the rule's days", async () => {
    await s.installEverywhere("v0");
    const bucket = "lifecycle-model";
    s.world.s3.createBucket(bucket, { versioning: true, lifecycle: [{ enabled: true, prefix: "r/", expirationDays: 3, noncurrentDays: 2, expiredObjectDeleteMarker: true }] });
    // The docs' example: created 10:30 UTC with 3 days -> expires at midnight UTC four days later.
    await s.driver.advanceTo(Date.UTC(2026, 2, 3, 10, 30));
    const first = s.world.s3.putObject(bucket, "r/a", Buffer.from("a1"));
    await s.driver.advanceTo(Date.UTC(2026, 2, 6, 23, 59));
    expect(s.world.s3.getObject(bucket, "r/a").versionId).to.equal(first.versionId);
    await s.driver.advanceTo(Date.UTC(2026, 2, 7));
    expect(() => s.world.s3.getObject(bucket, "r/a")).to.throw("The specified key does not exist");
    // Noncurrent since Mar 7 00:00 + 2 days -> gone at Mar 9 00:00, and with it the lone delete marker.
    expect(s.world.s3.getObject(bucket, "r/a", first.versionId).etag).to.equal(first.etag);
    await s.driver.advanceTo(Date.UTC(2026, 2, 8, 23, 59));
    expect(s.world.s3.getObject(bucket, "r/a", first.versionId).etag).to.equal(first.etag);
    await s.driver.advanceTo(Date.UTC(2026, 2, 9));
    expect(s.world.s3.buckets.get(bucket)!.objects.has("r/a")).to.equal(false);
  });
});
