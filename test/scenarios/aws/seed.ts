/**
 * The world as `pulumi up` of the stack would leave it: built from the real Pulumi program run
 * under mocks (infra/simulate.ts), every resource from its declared inputs, with the ids and ARNs
 * the mocked provider assigned (infra/fakeCloud.ts, deterministic, recomputed here), and the
 * stack outputs of that same run. Changes to the program (alarms, launch templates, lifecycle
 * rules, policies) flow into every scenario with no edit here; a resource type the model cannot
 * take fails loudly where it matters (an alarm statistic, a scaling policy type).
 *
 * Right after `pulumi up` each Auto Scaling group launches its desired capacity with no app: an
 * empty account. Scenarios that need an established release build it on top (scenario.ts).
 */
import { FAKE_ACCOUNT_ID, FakeCloud } from "../../../infra/fakeCloud";
import { simulateStack, type SimulatedResource, type SimulatedStack } from "../../../infra/simulate";
import type { MetricQuery } from "./cloudwatch";
import type { LifecycleRule } from "./s3";
import type { Wire } from "./protocols";
import type { World } from "./world";

const simulations = new Map<string, Promise<SimulatedStack>>();

/** The stack under mocks, run once per stack and process (it takes a few hundred ms). */
export function simulated(stack: string): Promise<SimulatedStack> {
  let run = simulations.get(stack);
  if (!run) simulations.set(stack, (run = simulateStack(stack)));
  return run;
}

export const regionOf = (sim: SimulatedStack) => sim.outputs.AWS_REGION!;
export const ACCOUNT_ID = FAKE_ACCOUNT_ID;

type Seeded = SimulatedResource & { state: Record<string, any> };

/** Pulumi's forward/redirect default actions in the ELB API's shape. */
function wireAction(action: Wire): Wire {
  if (action.type === "redirect") {
    const r = action.redirect ?? {};
    return { Type: "redirect", RedirectConfig: { Protocol: r.protocol, Port: r.port, StatusCode: r.statusCode } };
  }
  if (action.forward) {
    return {
      Type: "forward",
      ForwardConfig: {
        TargetGroups: (action.forward.targetGroups ?? []).map((g: Wire) => ({ TargetGroupArn: g.arn, Weight: g.weight ?? 1 })),
        TargetGroupStickinessConfig: { Enabled: action.forward.stickiness?.enabled ?? false, ...(action.forward.stickiness?.duration && { DurationSeconds: action.forward.stickiness.duration }) },
      },
    };
  }
  return { Type: action.type, TargetGroupArn: action.targetGroupArn };
}

function alarmQueries(inputs: Wire): { queries: MetricQuery[]; period: number; single: boolean } {
  if (inputs.metricQueries?.length) {
    const queries: MetricQuery[] = inputs.metricQueries.map((q: Wire) => ({
      id: q.id,
      returnData: q.returnData ?? false,
      ...(q.label && { label: q.label }),
      ...(q.expression && { expression: q.expression }),
      ...(q.metric && { metric: { namespace: q.metric.namespace, metricName: q.metric.metricName, dimensions: q.metric.dimensions ?? {}, period: q.metric.period, stat: q.metric.stat } }),
    }));
    return { queries, period: Math.max(...queries.filter((q) => q.metric).map((q) => q.metric!.period)), single: false };
  }
  const stat = inputs.extendedStatistic ?? inputs.statistic;
  return {
    queries: [{ id: "m", returnData: true, metric: { namespace: inputs.namespace, metricName: inputs.metricName, dimensions: inputs.dimensions ?? {}, period: inputs.period, stat } }],
    period: inputs.period,
    single: true,
  };
}

function lifecycleRules(inputs: Wire): LifecycleRule[] {
  return (inputs.rules ?? []).map((r: Wire) => ({
    ...(r.id && { id: r.id }),
    enabled: r.status === "Enabled",
    prefix: r.filter?.prefix ?? r.prefix ?? "",
    ...(r.expiration?.days !== undefined && { expirationDays: r.expiration.days }),
    ...(r.noncurrentVersionExpiration?.noncurrentDays !== undefined && { noncurrentDays: r.noncurrentVersionExpiration.noncurrentDays }),
    ...(r.expiration?.expiredObjectDeleteMarker && { expiredObjectDeleteMarker: true }),
  }));
}

/**
 * Whether an IAM policy document allows `action` on `resource`: an Allow statement whose Action
 * and Resource patterns (`*` wildcards) match. Only as much IAM as the model enforces: the deploy
 * role's reads of composite alarms and its s3:ListBucket.
 */
function allows(policy: Wire, action: string, resource: string): boolean {
  const matches = (pattern: string, value: string) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(value);
  return [policy.Statement].flat().some(
    (s: Wire) => s.Effect === "Allow" && [s.Action].flat().some((a: string) => matches(a, action)) && [s.Resource].flat().some((r: string) => matches(r, resource)),
  );
}

/** Builds every resource of the stack in the world and returns the stack outputs. */
export function seedWorld(world: World, sim: SimulatedStack): Record<string, string> {
  const cloud = new FakeCloud(regionOf(sim));
  const resources: Seeded[] = sim.resources.filter((r) => r.custom).map((r) => ({ ...r, state: cloud.newResource({ type: r.type, name: r.name, inputs: r.inputs, custom: true }).state }));
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const outputs = { ...sim.outputs };
  world.productionListenerArn = outputs.ALB_LISTENER_ARN!;
  world.testListenerArn = outputs.TEST_LISTENER_ARN!;

  const [lb] = ofType("aws:lb/loadBalancer:LoadBalancer");
  if (!lb) throw new Error("the stack declares no load balancer");
  world.elb.addLoadBalancer({ arn: lb.state.arn, arnSuffix: lb.state.arnSuffix });
  for (const tg of ofType("aws:lb/targetGroup:TargetGroup")) {
    const hc = tg.inputs.healthCheck ?? {};
    world.elb.addTargetGroup(
      {
        arn: tg.state.arn,
        name: tg.state.name,
        arnSuffix: tg.state.arnSuffix,
        loadBalancerArn: lb.state.arn,
        port: tg.inputs.port,
        healthCheck: {
          intervalSeconds: hc.interval ?? 30,
          timeoutSeconds: hc.timeout ?? 5,
          healthyThreshold: hc.healthyThreshold ?? 5,
          unhealthyThreshold: hc.unhealthyThreshold ?? 2,
          path: hc.path ?? "/",
          matcher: hc.matcher ?? "200",
        },
        deregistrationDelaySeconds: tg.inputs.deregistrationDelay ?? 300,
      },
      tg.inputs.tags ?? {},
    );
  }
  for (const listener of ofType("aws:lb/listener:Listener")) {
    world.elb.addListener(
      { arn: listener.state.arn, loadBalancerArn: listener.inputs.loadBalancerArn, port: listener.inputs.port, protocol: listener.inputs.protocol, actions: (listener.inputs.defaultActions ?? []).map(wireAction) },
      listener.inputs.tags ?? {},
    );
  }

  const lifecycle = new Map(ofType("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").map((r) => [r.inputs.bucket, lifecycleRules(r.inputs)]));
  const versioned = new Set(ofType("aws:s3/bucketVersioning:BucketVersioning").filter((r) => r.inputs.versioningConfiguration?.status === "Enabled").map((r) => r.inputs.bucket));
  for (const bucket of ofType("aws:s3/bucket:Bucket")) {
    const name = bucket.state.bucket;
    world.s3.createBucket(name, { versioning: versioned.has(name) || bucket.inputs.versioning?.enabled === true, lifecycle: lifecycle.get(name) ?? [] });
  }

  for (const alarm of ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
    const i = alarm.inputs;
    world.cloudwatch.addAlarm({
      name: i.name ?? alarm.state.name ?? alarm.name,
      arn: alarm.state.arn,
      ...(i.alarmDescription && { description: i.alarmDescription }),
      ...alarmQueries(i),
      evaluationPeriods: i.evaluationPeriods,
      datapointsToAlarm: i.datapointsToAlarm ?? i.evaluationPeriods,
      threshold: i.threshold,
      comparisonOperator: i.comparisonOperator,
      treatMissingData: i.treatMissingData ?? "missing",
    });
  }
  for (const composite of ofType("aws:cloudwatch/compositeAlarm:CompositeAlarm")) world.cloudwatch.addCompositeAlarm(composite.inputs.alarmName, composite.inputs.alarmRule);

  const templates = new Map(ofType("aws:ec2/launchTemplate:LaunchTemplate").map((t) => [t.state.id, t.state]));
  for (const asg of ofType("aws:autoscaling/group:Group")) {
    const i = asg.inputs;
    const template = templates.get(i.launchTemplate?.id);
    const version = /^\$/.test(i.launchTemplate?.version ?? "$Default") ? String(template?.latestVersion ?? 1) : String(i.launchTemplate.version);
    const prefs = i.instanceRefresh?.preferences;
    world.autoscaling.addGroup({
      name: asg.state.name,
      arn: asg.state.arn,
      minSize: i.minSize,
      maxSize: i.maxSize,
      desiredCapacity: i.desiredCapacity ?? i.minSize,
      defaultCooldown: i.defaultCooldown ?? 300,
      healthCheckType: i.healthCheckType ?? "EC2",
      healthCheckGracePeriod: i.healthCheckGracePeriod ?? 300,
      defaultInstanceWarmup: i.defaultInstanceWarmup ?? 300,
      targetGroupArns: i.targetGroupArns ?? [],
      launchTemplate: { id: i.launchTemplate?.id ?? "lt-none", version },
      availabilityZones: (i.vpcZoneIdentifiers ?? ["subnet-a"]).map((_: string, n: number) => `${regionOf(sim)}${"abcd"[n]}`),
      tags: (i.tags ?? []).map((t: Wire) => ({ Key: t.key, Value: t.value, PropagateAtLaunch: t.propagateAtLaunch ?? false })),
      refreshPreferences: i.instanceRefresh
        ? { minHealthyPercentage: prefs?.minHealthyPercentage ?? 90, maxHealthyPercentage: prefs?.maxHealthyPercentage ?? 100, instanceWarmup: Number(prefs?.instanceWarmup ?? i.defaultInstanceWarmup ?? 300) }
        : undefined,
    });
  }
  for (const policy of ofType("aws:autoscaling/policy:Policy")) seedTargetTracking(world, policy);

  for (const app of ofType("aws:codedeploy/application:Application")) world.codedeploy.addApplication(app.inputs.name ?? app.name);
  for (const group of ofType("aws:codedeploy/deploymentGroup:DeploymentGroup")) {
    const i = group.inputs;
    world.codedeploy.addDeploymentGroup({
      application: i.appName,
      name: i.deploymentGroupName,
      autoScalingGroups: i.autoscalingGroups ?? [],
      alarms: { enabled: i.alarmConfiguration?.enabled ?? false, names: i.alarmConfiguration?.alarms ?? [], ignorePollAlarmFailure: i.alarmConfiguration?.ignorePollAlarmFailure ?? false },
      autoRollback: { enabled: i.autoRollbackConfiguration?.enabled ?? false, events: i.autoRollbackConfiguration?.events ?? [] },
      deploymentConfigName: i.deploymentConfigName ?? "CodeDeployDefault.OneAtATime",
      outdatedInstancesStrategy: i.outdatedInstancesStrategy ?? "UPDATE",
      serviceRoleArn: i.serviceRoleArn,
    });
  }

  // What the release jobs' role may do, as far as the model enforces it (see `allows`).
  const deployRoleName = outputs.DEPLOY_ROLE_ARN!.split("/").pop();
  const deployPolicies = ofType("aws:iam/rolePolicy:RolePolicy").filter((p) => p.inputs.role === deployRoleName).map((p) => JSON.parse(p.inputs.policy) as Wire);
  // Composite alarms are returned only to a caller allowed DescribeAlarms on "*" itself.
  world.cloudwatch.compositeAlarmsReadable = deployPolicies.some((p) => [p.Statement].flat().some((s: Wire) => s.Effect === "Allow" && [s.Resource].flat().includes("*") && allows({ Statement: [s] }, "cloudwatch:DescribeAlarms", "*")));
  world.s3.callerMayList = (bucket) => deployPolicies.some((p) => allows(p, "s3:ListBucket", `arn:aws:s3:::${bucket}`));
  return outputs;
}

/** A target-tracking policy and the two alarms AWS creates for it (autoscaling.ts). */
function seedTargetTracking(world: World, policy: Seeded) {
  const i = policy.inputs;
  const metricType = i.targetTrackingConfiguration?.predefinedMetricSpecification?.predefinedMetricType;
  if (i.policyType !== "TargetTrackingScaling" || metricType !== "ASGAverageCPUUtilization") {
    throw new Error(`the model does not implement scaling policy ${i.policyType} on ${metricType ?? "a custom metric"}`);
  }
  const group = i.autoscalingGroupName;
  const target = i.targetTrackingConfiguration.targetValue;
  const id = world.ids.uuid();
  const tracking = {
    name: policy.name,
    arn: `arn:aws:autoscaling:${world.region}:${world.accountId}:scalingPolicy:${id}:autoScalingGroupName/${group}:policyName/${policy.name}`,
    targetValue: target,
    highAlarm: `TargetTracking-${group}-AlarmHigh-${id}`,
    lowAlarm: `TargetTracking-${group}-AlarmLow-${id}`,
  };
  world.autoscaling.addTargetTracking(group, tracking);
  const cpu = { namespace: "AWS/EC2", metricName: "CPUUtilization", dimensions: { AutoScalingGroupName: group }, period: 60, stat: "Average" };
  for (const [name, periods, threshold, comparison, direction] of [
    [tracking.highAlarm, 3, target, "GreaterThanThreshold", "out"],
    [tracking.lowAlarm, 15, target * 0.9, "LessThanThreshold", "in"],
  ] as const) {
    world.cloudwatch.addAlarm({
      name,
      arn: world.cloudwatch.alarmArn(name),
      description: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${tracking.arn}.`,
      queries: [{ id: "m", returnData: true, metric: cpu }],
      period: 60,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
      threshold,
      comparisonOperator: comparison,
      treatMissingData: "missing",
      single: true,
      autoScalingAction: (value) => world.autoscaling.runTargetTracking(group, tracking, direction, value),
    });
  }
}
