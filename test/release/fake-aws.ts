/**
 * A small stateful AWS for the release tool's tests, built on aws-sdk-client-mock: listeners hold
 * weights that ModifyListener changes, tags persist, CodeDeploy deployments run through scripted
 * statuses, Auto Scaling groups launch instances over the (virtual) clock, S3 keeps object
 * versions. Tests shape it, inject failures with `world.before`, and read `world.calls`.
 *
 * It is not the virtual-clock model of AWS (test/scenarios): what it models is only as much as
 * each release-tool unit test needs, and each modelled behaviour names the AWS page it follows.
 */
import { createHash } from "node:crypto";
import {
  AutoScalingClient,
  DeleteScheduledActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeScheduledActionsCommand,
  PutScheduledUpdateGroupActionCommand,
  UpdateAutoScalingGroupCommand,
  type InstanceRefreshStatus,
} from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  BatchGetDeploymentTargetsCommand,
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  type DeploymentInfo,
  type ErrorInformation,
  type DeploymentStatus,
  type DeploymentTarget,
  type LifecycleEvent,
  type TargetStatus,
} from "@aws-sdk/client-codedeploy";
import {
  AddTagsCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  type Action,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { COLORS, type Color, type Weights } from "../../release/colors";
import type { Clock, ReleaseContext } from "../../release/context";
import { readStackOutputs, type StackOutputs } from "../../release/stack-outputs";

export const ENV = {
  AWS_REGION: "eu-west-1",
  ALB_DNS_NAME: "bluegreen-staging-123456.eu-west-1.elb.amazonaws.com",
  ALB_LISTENER_ARN: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/bluegreen-staging/50dc6c495c0c9188/f2f7dc8efc522ab2",
  TEST_LISTENER_ARN: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/bluegreen-staging/50dc6c495c0c9188/0467ef3c8400ae65",
  TEST_LISTENER_URL: "http://bluegreen-staging-123456.eu-west-1.elb.amazonaws.com:8443",
  BLUE_TARGET_GROUP_ARN: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/bluegreen-staging-blue/73e2d6bc24d8a067",
  GREEN_TARGET_GROUP_ARN: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/bluegreen-staging-green/8a1c3f0e9b2d4c51",
  BLUE_ASG_NAME: "bluegreen-staging-blue",
  GREEN_ASG_NAME: "bluegreen-staging-green",
  CODEDEPLOY_APPLICATION_NAME: "bluegreen-staging",
  BLUE_DEPLOYMENT_GROUP: "bluegreen-staging-blue",
  GREEN_DEPLOYMENT_GROUP: "bluegreen-staging-green",
  CODEDEPLOY_S3_BUCKET: "bluegreen-staging-artifacts",
  DEPLOY_ROLE_ARN: "arn:aws:iam::123456789012:role/bluegreen-staging-deploy",
  ROLLBACK_ALARM_NAMES: "bluegreen-staging-5xx,bluegreen-staging-latency",
};

const outputs = readStackOutputs(ENV);
const PROD = outputs.productionListenerArn;
const TEST = outputs.testListenerArn;
const tgArn = (color: Color) => outputs[color].targetGroupArn;
const colorOfAsg = (name: string) => COLORS.find((c) => outputs[c].asgName === name)!;
const START = Date.parse("2026-11-22T12:00:00Z");

interface FakeDeployment {
  info: DeploymentInfo;
  /** Statuses GetDeployment reports in turn; the last one sticks. */
  script: DeploymentStatus[];
  /** The instance targets as they stand once the deployment has ended. */
  targets: DeploymentTarget[];
  /** CodeDeploy's errorInformation once it has failed (default HEALTH_CONSTRAINTS). */
  error?: ErrorInformation;
}

/** An Auto Scaling group: sizes, the configured capacity the infra program tags it with, launches under way. */
export interface FakeGroup {
  min: number;
  max: number;
  desired: number;
  tags: Record<string, string>;
  /**
   * Instances launching: registered at `registerAt` (CodeDeploy's automatic deployment done,
   * InService, target `initial`, at health index `index`), `healthy` at `healthyAt`.
   */
  launching: { registerAt: number; healthyAt: number; index?: number }[];
  scheduled: Record<string, { StartTime: Date; MinSize?: number; MaxSize?: number }>;
}

/** An instance target of a deployment; the fake's instance ids match DescribeTargetHealth's. */
export const instanceTarget = (targetId: string, status: TargetStatus = "Succeeded", lifecycleEvents: LifecycleEvent[] = []): DeploymentTarget => ({
  deploymentTargetType: "InstanceTarget",
  instanceTarget: { targetId, status, lifecycleEvents },
});

export interface HttpResponse {
  status: number;
  body: string;
}

/** Thrown like the SDK throws service errors: by name, with the HTTP status in $metadata. */
export const awsError = (name: string, message: string, httpStatusCode = 400) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode } });

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

export class World {
  listeners: Record<string, Weights> = { [PROD]: { blue: 100, green: 0 }, [TEST]: { blue: 0, green: 100 } };
  /**
   * How long DescribeListeners keeps answering with a listener's weights from before its last
   * ModifyListener. ELB documents no bound (AWS control-plane APIs are eventually consistent).
   */
  listenerReadLagMs = 0;
  private listenerWrites: Record<string, { before: Weights; at: number }> = {};
  tags: Record<string, Record<string, string>> = {};
  health: Record<Color, string[]> = { blue: ["healthy", "healthy"], green: ["healthy", "healthy"] };
  alarms: Record<string, "OK" | "ALARM"> = { "bluegreen-staging-5xx": "OK", "bluegreen-staging-latency": "OK" };
  /** Every metric alarm's evaluation, as infra/monitoring.ts declares them: 2 of 3 datapoints of 60 s. */
  alarmEvaluation = { Period: 60, EvaluationPeriods: 3, DatapointsToAlarm: 2 };
  /** Per-alarm fields that replace `alarmEvaluation` (e.g. a metric-math alarm's `Metrics`). */
  alarmShapes: Record<string, Record<string, unknown>> = {};
  /**
   * Composite alarms by name. DescribeAlarms returns them only to a caller allowed
   * cloudwatch:DescribeAlarms on `*` (AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html),
   * which the deploy role is not; `compositeAlarmsVisible` plays a caller who is.
   */
  compositeAlarms: Record<string, "OK" | "ALARM"> = {};
  compositeAlarmsVisible = false;
  deployments: Record<string, FakeDeployment> = {};
  lastAttempted: Partial<Record<Color, string>> = {};
  lastSuccessful: Partial<Record<Color, string>> = {};
  /** Statuses the next created deployment runs through. */
  nextDeploymentScript: DeploymentStatus[] = ["Created", "InProgress", "Succeeded"];
  /** The instance targets the next created deployment ends with; default: every instance of its color Succeeded. */
  nextTargets?: DeploymentTarget[];
  /** CodeDeploy's error for the next created deployment once it has failed; default: HEALTH_CONSTRAINTS. */
  nextDeploymentError?: ErrorInformation;
  /**
   * ListDeployments documents no order (codedeploy/latest/APIReference/API_ListDeployments.html):
   * the fake answers oldest first, the order a newest-first assumption gets most wrong.
   */
  listDeploymentsOrder: "oldest-first" | "newest-first" = "oldest-first";
  groups: Record<Color, FakeGroup> = { blue: group(), green: group() };
  /** How long a launched instance takes to register (InService, `initial`) and then to pass its health checks. */
  launchTiming = { registerMs: 180_000, healthyMs: 30_000 };
  /** Statuses DescribeInstanceRefreshes reports in turn for a color's group (the last one sticks); none: no refresh ever. */
  instanceRefreshes: Partial<Record<Color, InstanceRefreshStatus[]>> = {};
  /** Current object versions in the artifact bucket, by key. */
  objects: Record<string, { versionId: string; eTag: string }> = {};
  /** The test listener's answers, by path; an Error is thrown, as fetch throws on network failures. */
  http: Record<string, HttpResponse | Error> = {};
  /** Listener actions to report as they are, instead of the weights (e.g. a stale target group). */
  rawActions: Record<string, Action[]> = {};
  /** Every AWS command sent, in order (e.g. "ELB.ModifyListener"). */
  calls: string[] = [];
  /** Failure injection: runs before each command and may throw or change the world. */
  before: (command: string, input: any) => void = () => {};
  /** Virtual time: advanced only by the tool's sleeps. */
  nowMs = START;
  private created = 0;
  private createdByTool = 0;
  private launched = 0;

  /** Puts an object version into the artifact bucket, as PutObject does on a versioned bucket. */
  putObject(key: string, body = key): { versionId: string; eTag: string } {
    const version = { versionId: `v${Object.keys(this.objects).length + 1}.${md5(body + this.created).slice(0, 8)}`, eTag: md5(body) };
    this.created++;
    this.objects[key] = version;
    return version;
  }

  /** A finished deployment of the current version of `key` on `color`, optionally recorded as verified for `version`. */
  deployed(color: Color, id: string, key: string, status: DeploymentStatus = "Succeeded", verifiedVersion?: string) {
    const object = this.objects[key] ?? this.putObject(key);
    this.deployments[id] = {
      info: {
        deploymentId: id,
        status,
        creator: "user",
        createTime: this.nextCreateTime(),
        deploymentGroupName: outputs[color].deploymentGroup,
        revision: {
          revisionType: "S3",
          s3Location: { bucket: ENV.CODEDEPLOY_S3_BUCKET, key, bundleType: "zip", version: object.versionId, eTag: object.eTag },
        },
      },
      script: [status],
      targets: this.instances(color).map((i) => instanceTarget(i, status === "Succeeded" ? "Succeeded" : isRunning(status) ? "InProgress" : "Failed")),
    };
    this.lastAttempted[color] = id;
    if (status === "Succeeded") this.lastSuccessful[color] = id;
    if (verifiedVersion) {
      this.tags[tgArn(color)] = {
        "bluegreen:verified-version": verifiedVersion,
        "bluegreen:verified-deployment": id,
        "bluegreen:verified-at": "2026-11-20T10:00:00.000Z",
      };
    }
  }

  /**
   * The Auto Scaling group launched an instance into `color` (registered, healthy) and CodeDeploy
   * deployed the group's last successful revision to it alone: a Succeeded deployment by creator
   * "autoscaling" that becomes the group's latest, before the instance goes InService
   * (codedeploy/latest/userguide/integrations-aws-auto-scaling.html). Returns the new instance's id.
   */
  scaledOut(color: Color, id = `d-ASG${String(++this.launched).padStart(6, "0")}`, state = "healthy"): string {
    const revision = this.deployments[this.lastSuccessful[color]!]!.info.revision;
    this.health[color] = [...this.health[color], state];
    const instanceId = this.instances(color).at(-1)!;
    this.deployments[id] = {
      info: {
        deploymentId: id,
        status: "Succeeded",
        creator: "autoscaling",
        createTime: this.nextCreateTime(),
        deploymentGroupName: outputs[color].deploymentGroup,
        revision,
      },
      script: ["Succeeded"],
      targets: [instanceTarget(instanceId)],
    };
    this.lastAttempted[color] = id;
    this.lastSuccessful[color] = id;
    this.groups[color].desired = Math.max(this.groups[color].desired, this.health[color].length);
    return instanceId;
  }

  /**
   * The usual state between releases: `live` serves v1 (verified), the idle color v2 (verified),
   * each with `sizes` healthy instances (InService, desired capacity to match).
   */
  static betweenReleases(live: Color = "blue", sizes: Record<Color, number> = { blue: 2, green: 2 }): World {
    const world = new World();
    const idle = live === "blue" ? "green" : "blue";
    for (const color of COLORS) {
      world.health[color] = Array.from({ length: sizes[color] }, () => "healthy");
      world.groups[color].desired = sizes[color];
    }
    world.listeners[PROD] = live === "blue" ? { blue: 100, green: 0 } : { blue: 0, green: 100 };
    world.listeners[TEST] = live === "blue" ? { blue: 0, green: 100 } : { blue: 100, green: 0 };
    world.deployed(live, "d-LIVE00001", "revisions/v1/bluegreen-revision.zip", "Succeeded", "v1");
    world.deployed(idle, "d-IDLE00002", "revisions/v2/bluegreen-revision.zip", "Succeeded", "v2");
    world.http = {
      "/health/deep": { status: 200, body: '{"status":"ok"}' },
      "/version": { status: 200, body: '{"version":"v2","commit":"0123abc","port":3001}' },
    };
    return world;
  }

  /** Instance ids registered in a color's target group (one per `health` entry). */
  instances(color: Color): string[] {
    return this.health[color].map((_, i) => `i-${color}${i}`);
  }

  count(command: string) {
    return this.calls.filter((c) => c === command).length;
  }

  /** Calls of one command with their inputs, for tests that check what was asked of AWS. */
  inputs: { command: string; input: any }[] = [];
  inputsOf(command: string) {
    return this.inputs.filter((i) => i.command === command).map((i) => i.input);
  }

  /**
   * Installs the fakes on fresh clients and returns a context with a fake clock and log, for the
   * stack outputs the CLI read (tests may override some, e.g. ROLLBACK_ALARM_NAMES).
   */
  context(stackOutputs: StackOutputs = outputs): ReleaseContext & { lines: string[]; clock: Clock & { elapsedMs: number } } {
    const elb = new ElasticLoadBalancingV2Client({ region: ENV.AWS_REGION });
    const codedeploy = new CodeDeployClient({ region: ENV.AWS_REGION });
    const cloudwatch = new CloudWatchClient({ region: ENV.AWS_REGION });
    const s3 = new S3Client({ region: ENV.AWS_REGION });
    const autoscaling = new AutoScalingClient({ region: ENV.AWS_REGION });
    this.fakeElb(elb);
    this.fakeCodeDeploy(codedeploy);
    this.fakeCloudWatch(cloudwatch);
    this.fakeS3(s3);
    this.fakeAutoScaling(autoscaling);
    const lines: string[] = [];
    const clock = {
      elapsedMs: 0,
      now: () => this.nowMs,
      sleep: async (ms: number) => {
        clock.elapsedMs += ms;
        this.nowMs += ms;
      },
    };
    return {
      outputs: stackOutputs,
      aws: { elb, codedeploy, cloudwatch, s3, autoscaling },
      clock,
      httpGet: async (url) => {
        const answer = this.http[new URL(url).pathname] ?? { status: 404, body: "not found" };
        if (answer instanceof Error) throw answer;
        return answer;
      },
      log: (line) => lines.push(line),
      lines,
    };
  }

  private nextCreateTime() {
    return new Date(this.nowMs + this.created++);
  }

  private handler<T>(service: string, command: string, fn: (input: any) => T) {
    return async (input: any) => {
      this.calls.push(`${service}.${command}`);
      this.inputs.push({ command: `${service}.${command}`, input });
      this.before(command, input);
      this.settle();
      return fn(input);
    };
  }

  /**
   * Lets the clock's effects happen: launched instances register and turn healthy, scheduled
   * actions whose time has come set the group's sizes (autoscaling/ec2/userguide/ec2-auto-scaling-scheduled-scaling.html).
   */
  private settle() {
    for (const color of COLORS) {
      const g = this.groups[color];
      for (const launch of [...g.launching]) {
        if (launch.registerAt > this.nowMs) continue;
        if (launch.index === undefined) {
          launch.index = this.health[color].length;
          this.scaledOut(color, undefined, "initial");
        }
        if (launch.healthyAt <= this.nowMs) {
          this.health[color][launch.index] = "healthy";
          g.launching.splice(g.launching.indexOf(launch), 1);
        }
      }
      for (const [name, action] of Object.entries(g.scheduled)) {
        if (action.StartTime.getTime() > this.nowMs) continue;
        this.resize(color, { MinSize: action.MinSize, MaxSize: action.MaxSize });
        delete g.scheduled[name];
      }
    }
  }

  /**
   * UpdateAutoScalingGroup's rules (autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html):
   * a MinSize above the desired capacity raises it, a MaxSize below lowers it; min ≤ desired ≤ max.
   * The fake launches instances for a raised desired capacity and never terminates any by itself.
   */
  private resize(color: Color, input: { MinSize?: number; MaxSize?: number; DesiredCapacity?: number }) {
    const g = this.groups[color];
    const min = input.MinSize ?? g.min;
    const max = input.MaxSize ?? g.max;
    let desired = input.DesiredCapacity ?? g.desired;
    if (input.DesiredCapacity === undefined) desired = Math.min(Math.max(desired, min), max);
    if (min > max || desired < min || desired > max) {
      throw awsError("ValidationError", `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
    }
    Object.assign(g, { min, max, desired });
    const running = this.health[color].filter((s) => s !== "draining").length + g.launching.filter((l) => l.index === undefined).length;
    for (let i = running; i < desired; i++) {
      const registerAt = this.nowMs + this.launchTiming.registerMs;
      g.launching.push({ registerAt, healthyAt: registerAt + this.launchTiming.healthyMs });
    }
  }

  private fakeElb(client: ElasticLoadBalancingV2Client) {
    const mock = mockClient(client);
    const actionsOf = (arn: string) => {
      const write = this.listenerWrites[arn];
      const lagging = write && this.nowMs < write.at + this.listenerReadLagMs;
      return this.rawActions[arn] ?? [forwardAction(lagging ? write.before : this.listeners[arn]!)];
    };
    mock.on(DescribeListenersCommand).callsFake(
      this.handler("ELB", "DescribeListeners", (input) => ({
        Listeners: (input.ListenerArns as string[]).map((arn) => ({ ListenerArn: arn, DefaultActions: actionsOf(arn) })),
      })),
    );
    // ModifyListener returns the listener as modified
    // (elasticloadbalancing/latest/APIReference/API_ModifyListener.html, response `Listeners`).
    mock.on(ModifyListenerCommand).callsFake(
      this.handler("ELB", "ModifyListener", (input) => {
        const groups = input.DefaultActions[0].ForwardConfig.TargetGroups as { TargetGroupArn: string; Weight: number }[];
        this.listenerWrites[input.ListenerArn] = { before: this.listeners[input.ListenerArn]!, at: this.nowMs };
        this.listeners[input.ListenerArn] = {
          blue: groups.find((g) => g.TargetGroupArn === tgArn("blue"))!.Weight,
          green: groups.find((g) => g.TargetGroupArn === tgArn("green"))!.Weight,
        };
        return { Listeners: [{ ListenerArn: input.ListenerArn, DefaultActions: [forwardAction(this.listeners[input.ListenerArn]!)] }] };
      }),
    );
    mock.on(DescribeTagsCommand).callsFake(
      this.handler("ELB", "DescribeTags", (input) => ({
        TagDescriptions: (input.ResourceArns as string[]).map((arn) => ({
          ResourceArn: arn,
          Tags: Object.entries(this.tags[arn] ?? {}).map(([Key, Value]) => ({ Key, Value })),
        })),
      })),
    );
    mock.on(AddTagsCommand).callsFake(
      this.handler("ELB", "AddTags", (input) => {
        for (const arn of input.ResourceArns as string[]) {
          for (const { Key, Value } of input.Tags) this.tags[arn] = { ...this.tags[arn], [Key]: Value };
        }
        return {};
      }),
    );
    // Target states (elasticloadbalancing/latest/APIReference/API_TargetHealth.html): `initial`
    // while registering, `draining` while deregistering; only non-healthy states carry a reason.
    const REASONS: Record<string, { Reason: string; Description: string }> = {
      unhealthy: { Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [503]" },
      initial: { Reason: "Elb.InitialHealthChecking", Description: "Initial health checks in progress" },
      draining: { Reason: "Target.DeregistrationInProgress", Description: "Target deregistration is in progress" },
    };
    mock.on(DescribeTargetHealthCommand).callsFake(
      this.handler("ELB", "DescribeTargetHealth", (input) => {
        const color = COLORS.find((c) => tgArn(c) === input.TargetGroupArn)!;
        return {
          TargetHealthDescriptions: this.health[color].map((state, i) => ({
            Target: { Id: this.instances(color)[i], Port: 80 },
            TargetHealth: { State: state, ...REASONS[state] },
          })),
        };
      }),
    );
  }

  private fakeCodeDeploy(client: CodeDeployClient) {
    const mock = mockClient(client);
    const colorOfGroup = (name: string) => COLORS.find((c) => outputs[c].deploymentGroup === name)!;
    const last = (id: string | undefined) => (id ? { deploymentId: id, status: this.deployments[id]!.info.status } : undefined);
    mock.on(GetDeploymentGroupCommand).callsFake(
      this.handler("CodeDeploy", "GetDeploymentGroup", (input) => {
        const color = colorOfGroup(input.deploymentGroupName);
        return {
          deploymentGroupInfo: {
            deploymentGroupName: input.deploymentGroupName,
            lastAttemptedDeployment: last(this.lastAttempted[color]),
            lastSuccessfulDeployment: last(this.lastSuccessful[color]),
          },
        };
      }),
    );
    mock.on(CreateDeploymentCommand).callsFake(
      this.handler("CodeDeploy", "CreateDeployment", (input) => {
        const id = `d-NEW0000${++this.createdByTool}`;
        const color = colorOfGroup(input.deploymentGroupName);
        this.deployments[id] = {
          info: {
            deploymentId: id,
            status: "Created",
            creator: "user",
            createTime: this.nextCreateTime(),
            revision: input.revision,
            deploymentGroupName: input.deploymentGroupName,
          },
          script: [...this.nextDeploymentScript],
          targets: this.nextTargets ?? this.instances(color).map((i) => instanceTarget(i)),
          ...(this.nextDeploymentError && { error: this.nextDeploymentError }),
        };
        this.lastAttempted[color] = id;
        return { deploymentId: id };
      }),
    );
    // The group's deployments in the order `listDeploymentsOrder` says, honouring
    // includeOnlyStatuses and createTimeRange, and paged (3 ids a page, to exercise nextToken).
    mock.on(ListDeploymentsCommand).callsFake(
      this.handler("CodeDeploy", "ListDeployments", (input) => {
        const wanted: string[] | undefined = input.includeOnlyStatuses;
        const start: Date | undefined = input.createTimeRange?.start;
        const ids = Object.values(this.deployments)
          .filter((d) => d.info.deploymentGroupName === input.deploymentGroupName)
          .filter((d) => !wanted || wanted.includes(d.info.status!))
          .filter((d) => !start || d.info.createTime!.getTime() >= start.getTime())
          .map((d) => d.info.deploymentId!);
        if (this.listDeploymentsOrder === "newest-first") ids.reverse();
        const from = Number(input.nextToken ?? 0);
        return { deployments: ids.slice(from, from + 3), ...(from + 3 < ids.length && { nextToken: String(from + 3) }) };
      }),
    );
    const infoOf = (deployment: FakeDeployment): DeploymentInfo => {
      const status = deployment.info.status!;
      const ended = !isRunning(status);
      const count = (s: string) => (ended ? deployment.targets.filter((t) => t.instanceTarget?.status === s).length : 0);
      return {
        ...deployment.info,
        deploymentOverview: {
          Pending: status === "Created" ? deployment.targets.length : 0,
          InProgress: status === "InProgress" ? deployment.targets.length : 0,
          Succeeded: count("Succeeded"),
          Failed: count("Failed"),
          Skipped: count("Skipped"),
        },
        ...(status === "Failed" && {
          errorInformation: deployment.error ?? { code: "HEALTH_CONSTRAINTS", message: "The overall deployment failed because too many individual instances failed deployment" },
        }),
      };
    };
    mock.on(GetDeploymentCommand).callsFake(
      this.handler("CodeDeploy", "GetDeployment", (input) => {
        const deployment = this.deployments[input.deploymentId]!;
        const status = deployment.script.length > 1 ? deployment.script.shift()! : deployment.script[0]!;
        deployment.info.status = status;
        const color = COLORS.find((c) => this.lastAttempted[c] === input.deploymentId);
        if (status === "Succeeded" && color) this.lastSuccessful[color] = input.deploymentId;
        return { deploymentInfo: infoOf(deployment) };
      }),
    );
    // At most 25 ids a call (codedeploy/latest/APIReference/API_BatchGetDeployments.html).
    mock.on(BatchGetDeploymentsCommand).callsFake(
      this.handler("CodeDeploy", "BatchGetDeployments", (input) => {
        if (input.deploymentIds.length > 25) throw awsError("BatchLimitExceededException", "The maximum number of names or IDs allowed for this request (25) was exceeded.");
        return { deploymentsInfo: (input.deploymentIds as string[]).map((id) => infoOf(this.deployments[id]!)) };
      }),
    );
    // Like CodeDeploy: honours the TargetStatus filter and pages (here 2 ids a page, to exercise nextToken).
    mock.on(ListDeploymentTargetsCommand).callsFake(
      this.handler("CodeDeploy", "ListDeploymentTargets", (input) => {
        const wanted: string[] | undefined = input.targetFilters?.TargetStatus;
        const ids = this.deployments[input.deploymentId]!.targets
          .filter((t) => !wanted || wanted.includes(t.instanceTarget!.status!))
          .map((t) => t.instanceTarget!.targetId!);
        const start = Number(input.nextToken ?? 0);
        return { targetIds: ids.slice(start, start + 2), ...(start + 2 < ids.length && { nextToken: String(start + 2) }) };
      }),
    );
    mock.on(BatchGetDeploymentTargetsCommand).callsFake(
      this.handler("CodeDeploy", "BatchGetDeploymentTargets", (input) => {
        if (input.targetIds.length > 25) throw new Error("BatchGetDeploymentTargets takes at most 25 target ids");
        return {
          deploymentTargets: this.deployments[input.deploymentId]!.targets.filter((t) => input.targetIds.includes(t.instanceTarget!.targetId)),
        };
      }),
    );
  }

  private fakeCloudWatch(client: CloudWatchClient) {
    const reason = (state: string) => (state === "ALARM" ? "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)" : "ok");
    mockClient(client)
      .on(DescribeAlarmsCommand)
      .callsFake(
        this.handler("CloudWatch", "DescribeAlarms", (input) => ({
          MetricAlarms: (input.AlarmNames as string[])
            .filter((name) => name in this.alarms)
            .map((name) => ({
              AlarmName: name,
              StateValue: this.alarms[name],
              StateReason: reason(this.alarms[name]!),
              ...(this.alarmShapes[name] ?? this.alarmEvaluation),
            })),
          CompositeAlarms: this.compositeAlarmsVisible
            ? (input.AlarmNames as string[])
                .filter((name) => name in this.compositeAlarms)
                .map((name) => ({ AlarmName: name, StateValue: this.compositeAlarms[name], StateReason: reason(this.compositeAlarms[name]!), AlarmRule: 'ALARM("x")' }))
            : [],
        })),
      );
  }

  private fakeS3(client: S3Client) {
    const mock = mockClient(client);
    mock.on(PutObjectCommand).callsFake(
      this.handler("S3", "PutObject", (input) => {
        const { versionId, eTag } = this.putObject(input.Key, String(input.Body));
        return { VersionId: versionId, ETag: `"${eTag}"` };
      }),
    );
    // HeadObject answers for the current version, ETag in quotes as S3 sends it
    // (AmazonS3/latest/userguide/RetMetaOfObjVersion.html); a missing key is a 404 NotFound.
    mock.on(HeadObjectCommand).callsFake(
      this.handler("S3", "HeadObject", (input) => {
        const object = this.objects[input.Key];
        if (!object) throw awsError("NotFound", "Not Found", 404);
        return { VersionId: object.versionId, ETag: `"${object.eTag}"`, ContentLength: 1234 };
      }),
    );
  }

  private fakeAutoScaling(client: AutoScalingClient) {
    const mock = mockClient(client);
    // Instances as DescribeAutoScalingGroups lists them (autoscaling/ec2/APIReference/API_Instance.html):
    // a registered target is InService (Terminating while it drains), a launch not yet registered is Pending.
    mock.on(DescribeAutoScalingGroupsCommand).callsFake(
      this.handler("AutoScaling", "DescribeAutoScalingGroups", (input) => ({
        AutoScalingGroups: (input.AutoScalingGroupNames as string[]).map((name) => {
          const color = colorOfAsg(name);
          const g = this.groups[color];
          const registered = this.instances(color).map((InstanceId, i) => ({
            InstanceId,
            LifecycleState: this.health[color][i] === "draining" ? "Terminating" : "InService",
            HealthStatus: "Healthy",
          }));
          const pending = g.launching.filter((l) => l.index === undefined).map((_, i) => ({ InstanceId: `i-${color}-launching${i}`, LifecycleState: "Pending", HealthStatus: "Healthy" }));
          return {
            AutoScalingGroupName: name,
            MinSize: g.min,
            MaxSize: g.max,
            DesiredCapacity: g.desired,
            Instances: [...registered, ...pending],
            Tags: Object.entries(g.tags).map(([Key, Value]) => ({ Key, Value, ResourceId: name, ResourceType: "auto-scaling-group", PropagateAtLaunch: false })),
          };
        }),
      })),
    );
    mock.on(UpdateAutoScalingGroupCommand).callsFake(
      this.handler("AutoScaling", "UpdateAutoScalingGroup", (input) => {
        this.resize(colorOfAsg(input.AutoScalingGroupName), input);
        return {};
      }),
    );
    // "If you try to schedule your action in the past, Amazon EC2 Auto Scaling returns an error"
    // (autoscaling/ec2/APIReference/API_PutScheduledUpdateGroupAction.html).
    mock.on(PutScheduledUpdateGroupActionCommand).callsFake(
      this.handler("AutoScaling", "PutScheduledUpdateGroupAction", (input) => {
        if (input.StartTime.getTime() <= this.nowMs) throw awsError("ValidationError", "Given start time is in the past");
        const { StartTime, MinSize, MaxSize } = input;
        this.groups[colorOfAsg(input.AutoScalingGroupName)].scheduled[input.ScheduledActionName] = { StartTime, MinSize, MaxSize };
        return {};
      }),
    );
    mock.on(DescribeScheduledActionsCommand).callsFake(
      this.handler("AutoScaling", "DescribeScheduledActions", (input) => {
        const g = this.groups[colorOfAsg(input.AutoScalingGroupName)];
        const names: string[] = input.ScheduledActionNames ?? Object.keys(g.scheduled);
        return {
          ScheduledUpdateGroupActions: names
            .filter((n) => n in g.scheduled)
            .map((n) => ({ AutoScalingGroupName: input.AutoScalingGroupName, ScheduledActionName: n, ...g.scheduled[n] })),
        };
      }),
    );
    mock.on(DeleteScheduledActionCommand).callsFake(
      this.handler("AutoScaling", "DeleteScheduledAction", (input) => {
        const g = this.groups[colorOfAsg(input.AutoScalingGroupName)];
        if (!(input.ScheduledActionName in g.scheduled)) throw awsError("ValidationError", "Scheduled action name not found");
        delete g.scheduled[input.ScheduledActionName];
        return {};
      }),
    );
    mock.on(DescribeInstanceRefreshesCommand).callsFake(
      this.handler("AutoScaling", "DescribeInstanceRefreshes", (input) => {
        const script = this.instanceRefreshes[colorOfAsg(input.AutoScalingGroupName)];
        if (!script?.length) return { InstanceRefreshes: [] };
        const status = script.length > 1 ? script.shift()! : script[0]!;
        const running = status !== "Successful";
        return {
          InstanceRefreshes: [
            { InstanceRefreshId: "ir-0001", AutoScalingGroupName: input.AutoScalingGroupName, Status: status, PercentageComplete: running ? 50 : 100, InstancesToUpdate: running ? 1 : 0 },
          ],
        };
      }),
    );
  }
}

/** Both colors' groups as the infra program creates them for staging: min 1, max 4 (tagged), 2 running. */
function group(): FakeGroup {
  return { min: 1, max: 4, desired: 2, tags: { "bluegreen:min-size": "1", "bluegreen:max-size": "4" }, launching: [], scheduled: {} };
}

const isRunning = (status: DeploymentStatus) => ["Created", "Queued", "InProgress", "Baking", "Ready"].includes(status);

function forwardAction(weights: Weights): Action {
  return {
    Type: "forward",
    ForwardConfig: {
      TargetGroups: COLORS.map((c) => ({ TargetGroupArn: tgArn(c), Weight: weights[c] })),
      TargetGroupStickinessConfig: { Enabled: false },
    },
  };
}

export const PRODUCTION_LISTENER = PROD;
export const TEST_LISTENER = TEST;
export const targetGroupArn = tgArn;
