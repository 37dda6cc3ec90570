/**
 * A small stateful AWS for the release tool's tests, built on aws-sdk-client-mock: listeners hold
 * weights that ModifyListener changes, tags persist, CodeDeploy deployments run through scripted
 * statuses. Tests shape it, inject failures with `world.before`, and read `world.calls`.
 */
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import {
  BatchGetDeploymentTargetsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  type DeploymentInfo,
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
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
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

interface FakeDeployment {
  info: DeploymentInfo;
  /** Statuses GetDeployment reports in turn; the last one sticks. */
  script: DeploymentStatus[];
  /** The instance targets as they stand once the deployment has ended. */
  targets: DeploymentTarget[];
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

export class World {
  listeners: Record<string, Weights> = { [PROD]: { blue: 100, green: 0 }, [TEST]: { blue: 0, green: 100 } };
  tags: Record<string, Record<string, string>> = {};
  health: Record<Color, string[]> = { blue: ["healthy", "healthy"], green: ["healthy", "healthy"] };
  alarms: Record<string, "OK" | "ALARM"> = { "bluegreen-staging-5xx": "OK", "bluegreen-staging-latency": "OK" };
  deployments: Record<string, FakeDeployment> = {};
  lastAttempted: Partial<Record<Color, string>> = {};
  lastSuccessful: Partial<Record<Color, string>> = {};
  /** Statuses the next created deployment runs through. */
  nextDeploymentScript: DeploymentStatus[] = ["Created", "InProgress", "Succeeded"];
  /** The instance targets the next created deployment ends with; default: every instance of its color Succeeded. */
  nextTargets?: DeploymentTarget[];
  /** The test listener's answers, by path; an Error is thrown, as fetch throws on network failures. */
  http: Record<string, HttpResponse | Error> = {};
  /** Listener actions to report as they are, instead of the weights (e.g. a stale target group). */
  rawActions: Record<string, Action[]> = {};
  /** Every AWS command sent, in order (e.g. "ELB.ModifyListener"). */
  calls: string[] = [];
  /** Failure injection: runs before each command and may throw or change the world. */
  before: (command: string, input: any) => void = () => {};
  private created = 0;

  /** A finished deployment of `key` on `color`, optionally recorded as verified for `version`. */
  deployed(color: Color, id: string, key: string, status: DeploymentStatus = "Succeeded", verifiedVersion?: string) {
    this.deployments[id] = {
      info: {
        deploymentId: id,
        status,
        creator: "user",
        deploymentGroupName: outputs[color].deploymentGroup,
        revision: { revisionType: "S3", s3Location: { bucket: ENV.CODEDEPLOY_S3_BUCKET, key } },
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
   * "autoscaling" that becomes the group's latest. Returns the new instance's id.
   */
  scaledOut(color: Color, id: string): string {
    const revision = this.deployments[this.lastSuccessful[color]!]!.info.revision;
    this.health[color] = [...this.health[color], "healthy"];
    const instanceId = this.instances(color).at(-1)!;
    this.deployments[id] = {
      info: { deploymentId: id, status: "Succeeded", creator: "autoscaling", deploymentGroupName: outputs[color].deploymentGroup, revision },
      script: ["Succeeded"],
      targets: [instanceTarget(instanceId)],
    };
    this.lastAttempted[color] = id;
    this.lastSuccessful[color] = id;
    return instanceId;
  }

  /** The usual state between releases: `live` serves v1 (verified), the idle color v2 (verified). */
  static betweenReleases(live: Color = "blue"): World {
    const world = new World();
    const idle = live === "blue" ? "green" : "blue";
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

  /**
   * Installs the fakes on fresh clients and returns a context with a fake clock and log, for the
   * stack outputs the CLI read (tests may override some, e.g. ROLLBACK_ALARM_NAMES).
   */
  context(stackOutputs: StackOutputs = outputs): ReleaseContext & { lines: string[]; clock: Clock & { elapsedMs: number } } {
    const elb = new ElasticLoadBalancingV2Client({ region: ENV.AWS_REGION });
    const codedeploy = new CodeDeployClient({ region: ENV.AWS_REGION });
    const cloudwatch = new CloudWatchClient({ region: ENV.AWS_REGION });
    const s3 = new S3Client({ region: ENV.AWS_REGION });
    this.fakeElb(elb);
    this.fakeCodeDeploy(codedeploy);
    this.fakeCloudWatch(cloudwatch);
    this.fakeS3(s3);
    const lines: string[] = [];
    const clock = {
      elapsedMs: 0,
      now: () => Date.parse("2026-11-22T12:00:00Z") + clock.elapsedMs,
      sleep: async (ms: number) => {
        clock.elapsedMs += ms;
      },
    };
    return {
      outputs: stackOutputs,
      aws: { elb, codedeploy, cloudwatch, s3 },
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

  private handler<T>(service: string, command: string, fn: (input: any) => T) {
    return async (input: any) => {
      this.calls.push(`${service}.${command}`);
      this.before(command, input);
      return fn(input);
    };
  }

  private fakeElb(client: ElasticLoadBalancingV2Client) {
    const mock = mockClient(client);
    mock.on(DescribeListenersCommand).callsFake(
      this.handler("ELB", "DescribeListeners", (input) => ({
        Listeners: (input.ListenerArns as string[]).map((arn) => ({
          ListenerArn: arn,
          DefaultActions: this.rawActions[arn] ?? [forwardAction(this.listeners[arn]!)],
        })),
      })),
    );
    mock.on(ModifyListenerCommand).callsFake(
      this.handler("ELB", "ModifyListener", (input) => {
        const groups = input.DefaultActions[0].ForwardConfig.TargetGroups as { TargetGroupArn: string; Weight: number }[];
        this.listeners[input.ListenerArn] = {
          blue: groups.find((g) => g.TargetGroupArn === tgArn("blue"))!.Weight,
          green: groups.find((g) => g.TargetGroupArn === tgArn("green"))!.Weight,
        };
        return {};
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
    mock.on(DescribeTargetHealthCommand).callsFake(
      this.handler("ELB", "DescribeTargetHealth", (input) => {
        const color = COLORS.find((c) => tgArn(c) === input.TargetGroupArn)!;
        return {
          TargetHealthDescriptions: this.health[color].map((state, i) => ({
            Target: { Id: this.instances(color)[i], Port: 80 },
            TargetHealth:
              state === "healthy"
                ? { State: state }
                : { State: state, Reason: "Target.ResponseCodeMismatch", Description: "Health checks failed with these codes: [503]" },
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
        const id = `d-NEW0000${++this.created}`;
        const color = colorOfGroup(input.deploymentGroupName);
        this.deployments[id] = {
          info: { deploymentId: id, status: "Created", revision: input.revision, deploymentGroupName: input.deploymentGroupName },
          script: [...this.nextDeploymentScript],
          targets: this.nextTargets ?? this.instances(color).map((i) => instanceTarget(i)),
        };
        this.lastAttempted[color] = id;
        return { deploymentId: id };
      }),
    );
    // Like CodeDeploy: the group's deployments newest first (here in creation order, reversed),
    // honouring includeOnlyStatuses, and paged (3 ids a page, to exercise nextToken).
    mock.on(ListDeploymentsCommand).callsFake(
      this.handler("CodeDeploy", "ListDeployments", (input) => {
        const wanted: string[] | undefined = input.includeOnlyStatuses;
        const ids = Object.values(this.deployments)
          .filter((d) => d.info.deploymentGroupName === input.deploymentGroupName && (!wanted || wanted.includes(d.info.status!)))
          .map((d) => d.info.deploymentId!)
          .reverse();
        const start = Number(input.nextToken ?? 0);
        return { deployments: ids.slice(start, start + 3), ...(start + 3 < ids.length && { nextToken: String(start + 3) }) };
      }),
    );
    mock.on(GetDeploymentCommand).callsFake(
      this.handler("CodeDeploy", "GetDeployment", (input) => {
        const deployment = this.deployments[input.deploymentId]!;
        const status = deployment.script.length > 1 ? deployment.script.shift()! : deployment.script[0]!;
        deployment.info.status = status;
        const color = COLORS.find((c) => this.lastAttempted[c] === input.deploymentId);
        if (status === "Succeeded" && color) this.lastSuccessful[color] = input.deploymentId;
        const ended = !isRunning(status);
        const count = (s: string) => (ended ? deployment.targets.filter((t) => t.instanceTarget?.status === s).length : 0);
        return {
          deploymentInfo: {
            ...deployment.info,
            deploymentOverview: {
              Pending: status === "Created" ? deployment.targets.length : 0,
              InProgress: status === "InProgress" ? deployment.targets.length : 0,
              Succeeded: count("Succeeded"),
              Failed: count("Failed"),
              Skipped: count("Skipped"),
            },
            ...(status === "Failed" && {
              errorInformation: { code: "HEALTH_CONSTRAINTS", message: "The overall deployment failed because too many individual instances failed deployment" },
            }),
          },
        };
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
    mockClient(client)
      .on(DescribeAlarmsCommand)
      .callsFake(
        this.handler("CloudWatch", "DescribeAlarms", (input) => ({
          MetricAlarms: (input.AlarmNames as string[])
            .filter((name) => name in this.alarms)
            .map((name) => ({
              AlarmName: name,
              StateValue: this.alarms[name],
              StateReason: this.alarms[name] === "ALARM" ? "Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0)" : "ok",
            })),
          CompositeAlarms: [],
        })),
      );
  }

  private fakeS3(client: S3Client) {
    mockClient(client)
      .on(PutObjectCommand)
      .callsFake(this.handler("S3", "PutObject", () => ({ VersionId: "3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY" })));
  }
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
