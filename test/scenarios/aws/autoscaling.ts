/**
 * EC2 Auto Scaling: groups that keep `DesiredCapacity` instances between min and max, launches
 * that take time, lifecycle hooks, ELB health replacement, target tracking, suspended processes,
 * scale-in protection, scheduled actions, instance refresh and the scaling-activity record.
 *
 * - Lifecycle (autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html,
 *   lifecycle-hooks-overview.html): a launch is `Pending` while EC2 boots it (`bootMs`, an
 *   assumption: the docs give no figure), `Pending:Wait` while a launch hook (CodeDeploy's) runs,
 *   then the instance is registered with the group's target groups and goes `InService`, which
 *   starts the health check grace period. A hook completed with ABANDON terminates the instance.
 *   Scale-in and replacement deregister the instance first and terminate it once the target
 *   group has drained it.
 * - Health (ec2-auto-scaling-health-checks.html, health-check-grace-period.html): with health
 *   check type ELB, an InService instance the target group reports `unhealthy` after the grace
 *   period is marked Unhealthy, terminated and replaced.
 * - Target tracking (as-scaling-target-tracking.html): the policy owns two CloudWatch alarms on
 *   the group's average CPU: high (3 of 3 one-minute datapoints above the target) and low (15 of
 *   15 below 90 % of it), which invoke the policy every minute while in ALARM (an Auto Scaling
 *   action is the documented exception to "actions only on state change",
 *   AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html). Scale-out sets the capacity to
 *   ceil(instances × metric / target); instances still in their default instance warm-up are not
 *   part of the metric (ec2-auto-scaling-default-instance-warmup.html). Scale-in is gradual: the
 *   docs say so without a step, so the model ASSUMES one instance per activity, at most one per
 *   DefaultCooldown (ec2-auto-scaling-scaling-cooldowns.html) and none while an instance warms up.
 * - Suspended processes (as-suspend-resume-processes.html): Launch, Terminate, HealthCheck,
 *   ReplaceUnhealthy, AlarmNotification, ScheduledActions, AddToLoadBalancer, InstanceRefresh
 *   each stop what they name; AZRebalance is accepted and has nothing to do here.
 * - Scale-in protection (ec2-auto-scaling-instance-protection.html): protected instances are not
 *   chosen for scale-in; the desired capacity still decreases.
 * - Termination choice (ec2-auto-scaling-termination-policies.html, default policy): the
 *   Availability Zone with most instances, then the oldest launch template version, then (in
 *   place of "closest to the next billing hour") the earliest launched.
 * - Scheduled actions (ec2-auto-scaling-scheduled-scaling.html): one-time actions at StartTime;
 *   recurring ones are refused (not modelled).
 * - Instance refresh (asg-instance-refresh.html): Rolling, launch before terminate within
 *   MinHealthyPercentage..MaxHealthyPercentage: replacements for every instance not on the
 *   group's launch template version, old ones terminated once the new ones are InService and
 *   warmed up; statuses Pending, InProgress, Successful, Cancelled.
 */
import type { Instance } from "./instances";
import { AwsError, type Wire } from "./protocols";
import type { ServiceEndpoint } from "./server";
import type { World } from "./world";

export const PROCESSES = ["Launch", "Terminate", "AddToLoadBalancer", "AlarmNotification", "AZRebalance", "HealthCheck", "InstanceRefresh", "ReplaceUnhealthy", "ScheduledActions"] as const;
export type Process = (typeof PROCESSES)[number];

export interface TargetTrackingPolicy {
  name: string;
  arn: string;
  targetValue: number;
  highAlarm: string;
  lowAlarm: string;
}

export interface Activity {
  ActivityId: string;
  AutoScalingGroupName: string;
  Description: string;
  Cause: string;
  StartTime: Date;
  EndTime?: Date;
  StatusCode: "InProgress" | "Successful" | "Failed" | "Cancelled" | "WaitingForInstanceId" | "PreInService";
  StatusMessage?: string;
  Progress: number;
}

export interface InstanceRefresh {
  id: string;
  status: "Pending" | "InProgress" | "Successful" | "Cancelled" | "Failed";
  startTime: number;
  endTime?: number;
  toReplace: string[];
  replacements: string[];
  targetVersion: string;
}

export interface ScheduledAction {
  name: string;
  startTime: number;
  minSize?: number;
  maxSize?: number;
  desiredCapacity?: number;
  cancel: () => void;
}

export interface Group {
  name: string;
  arn: string;
  minSize: number;
  maxSize: number;
  desiredCapacity: number;
  defaultCooldown: number;
  healthCheckType: "EC2" | "ELB";
  healthCheckGracePeriod: number;
  defaultInstanceWarmup: number;
  targetGroupArns: string[];
  launchTemplate: { id: string; version: string };
  availabilityZones: string[];
  tags: { Key: string; Value: string; PropagateAtLaunch: boolean }[];
  refreshPreferences: { minHealthyPercentage: number; maxHealthyPercentage: number; instanceWarmup: number } | undefined;
  suspended: Map<Process, string>;
  newInstancesProtectedFromScaleIn: boolean;
  launchHooks: { name: string; onLaunch: (instance: Instance) => void }[];
  policies: TargetTrackingPolicy[];
  scheduled: Map<string, ScheduledAction>;
  activities: Activity[];
  refreshes: InstanceRefresh[];
  lastScalingAt: number;
  createdAt: number;
}

export type GroupSeed = Omit<Group, "suspended" | "launchHooks" | "policies" | "scheduled" | "activities" | "refreshes" | "lastScalingAt" | "createdAt" | "newInstancesProtectedFromScaleIn">;

const ACTIVE = new Set(["Pending", "Pending:Wait", "InService"]);

/** How long an instance refresh waits after a replacement goes InService before counting it (asg-instance-refresh.html, instance warmup). */
const refreshWarmupMs = (group: Group) => (group.refreshPreferences?.instanceWarmup ?? group.defaultInstanceWarmup) * 1000;

export class AutoScalingModel {
  readonly groups = new Map<string, Group>();
  /** EC2 boot plus user data until the instance could take a lifecycle hook (assumption). */
  bootMs = 90_000;

  constructor(private readonly world: World) {}

  addGroup(seed: GroupSeed): Group {
    const group: Group = {
      ...seed,
      suspended: new Map(),
      newInstancesProtectedFromScaleIn: false,
      launchHooks: [],
      policies: [],
      scheduled: new Map(),
      activities: [],
      refreshes: [],
      lastScalingAt: -Infinity,
      createdAt: this.world.clock.now(),
    };
    this.groups.set(group.name, group);
    this.reconcile(group, "An instance was started in response to a difference between desired and actual capacity");
    return group;
  }

  group(name: string): Group {
    const group = this.groups.get(name);
    if (!group) throw new AwsError("ValidationError", `AutoScalingGroup name not found - AutoScalingGroup '${name}' not found`);
    return group;
  }

  members(group: Group): Instance[] {
    return [...this.world.instances.values()].filter((i) => i.group === group.name && i.lifecycle !== "Terminated");
  }

  inService(group: Group): Instance[] {
    return this.members(group).filter((i) => i.lifecycle === "InService");
  }

  /** Past the default instance warm-up: the instance counts in the group's aggregated metrics. */
  isWarm(group: Group, instance: Instance): boolean {
    return instance.lifecycle === "InService" && instance.inServiceAt! + group.defaultInstanceWarmup * 1000 <= this.world.clock.now();
  }

  suspended(group: Group, process: Process): boolean {
    return group.suspended.has(process);
  }

  addTargetTracking(groupName: string, policy: TargetTrackingPolicy) {
    this.group(groupName).policies.push(policy);
  }

  addLaunchHook(groupName: string, name: string, onLaunch: (instance: Instance) => void) {
    this.group(groupName).launchHooks.push({ name, onLaunch });
  }

  private activity(group: Group, description: string, cause: string): Activity {
    const activity: Activity = {
      ActivityId: this.world.ids.uuid(),
      AutoScalingGroupName: group.name,
      Description: description,
      Cause: `At ${new Date(this.world.clock.now()).toISOString()} ${cause}.`,
      StartTime: new Date(this.world.clock.now()),
      StatusCode: "InProgress",
      Progress: 0,
    };
    group.activities.push(activity);
    return activity;
  }

  private finish(activity: Activity, status: Activity["StatusCode"], message?: string) {
    Object.assign(activity, { StatusCode: status, EndTime: new Date(this.world.clock.now()), Progress: 100, ...(message && { StatusMessage: message }) });
  }

  setDesired(group: Group, desired: number, cause: string) {
    const bounded = Math.min(group.maxSize, Math.max(group.minSize, desired));
    if (bounded === group.desiredCapacity) return;
    const from = group.desiredCapacity;
    group.desiredCapacity = bounded;
    group.lastScalingAt = this.world.clock.now();
    this.world.changed({ type: "desired-capacity", group: group.name, from, to: bounded, cause });
    this.reconcile(group, `${cause} changing the desired capacity from ${from} to ${bounded}`);
  }

  /** Launches or terminates until the group holds its desired capacity (what the processes allow). */
  reconcile(group: Group, cause: string) {
    const active = this.members(group).filter((i) => ACTIVE.has(i.lifecycle));
    const refreshing = group.refreshes.find((r) => r.status === "InProgress");
    const wanted = group.desiredCapacity + (refreshing ? refreshing.replacements.filter((id) => this.world.instances.get(id)?.lifecycle !== "Terminated").length : 0);
    if (active.length < wanted && !this.suspended(group, "Launch")) {
      for (let n = active.length; n < wanted; n++) this.launch(group, cause);
    } else if (active.length > wanted && !this.suspended(group, "Terminate")) {
      for (const victim of this.victims(group, active, active.length - wanted)) this.terminate(victim, `${cause}; instance ${victim.id} was selected for termination`);
    }
  }

  private victims(group: Group, active: Instance[], count: number): Instance[] {
    const chosen: Instance[] = [];
    const pool = active.filter((i) => !i.protectedFromScaleIn);
    while (chosen.length < count && pool.length) {
      const perZone = (zone: string) => pool.filter((i) => i.availabilityZone === zone).length;
      pool.sort(
        (a, b) =>
          perZone(b.availabilityZone) - perZone(a.availabilityZone) ||
          Number(a.launchTemplate.version === group.launchTemplate.version) - Number(b.launchTemplate.version === group.launchTemplate.version) ||
          a.launchedAt - b.launchedAt ||
          a.id.localeCompare(b.id),
      );
      chosen.push(pool.shift()!);
    }
    return chosen;
  }

  launch(group: Group, cause: string, launchTemplateVersion = group.launchTemplate.version): Instance {
    const zones = group.availabilityZones;
    const counts = zones.map((z) => this.members(group).filter((i) => i.availabilityZone === z).length);
    const instance: Instance = {
      id: this.world.ids.instanceId(),
      group: group.name,
      launchTemplate: { id: group.launchTemplate.id, version: launchTemplateVersion },
      availabilityZone: zones[counts.indexOf(Math.min(...counts))]!,
      lifecycle: "Pending",
      health: "Healthy",
      protectedFromScaleIn: group.newInstancesProtectedFromScaleIn,
      launchedAt: this.world.clock.now(),
      app: { state: "none" },
    };
    this.world.instances.set(instance.id, instance);
    const activity = this.activity(group, `Launching a new EC2 instance: ${instance.id}`, cause);
    this.world.changed({ type: "instance", instance: instance.id, lifecycle: "Pending" });
    this.world.clock.after(this.bootMs, () => {
      if (instance.lifecycle !== "Pending") return;
      if (group.launchHooks.length) {
        instance.lifecycle = "Pending:Wait";
        this.world.changed({ type: "instance", instance: instance.id, lifecycle: "Pending:Wait" });
        this.pendingHooks.set(instance.id, { activity, remaining: group.launchHooks.length });
        for (const hook of group.launchHooks) hook.onLaunch(instance);
      } else {
        this.putInService(group, instance, activity);
      }
    });
    return instance;
  }

  private readonly pendingHooks = new Map<string, { activity: Activity; remaining: number }>();

  /** A launch hook's owner (CodeDeploy) reports CONTINUE or ABANDON (CompleteLifecycleAction). */
  completeLaunchHook(instanceId: string, result: "CONTINUE" | "ABANDON") {
    const pending = this.pendingHooks.get(instanceId);
    const instance = this.world.instances.get(instanceId);
    if (!pending || !instance || instance.lifecycle !== "Pending:Wait") return;
    const group = this.group(instance.group);
    if (result === "ABANDON") {
      this.pendingHooks.delete(instanceId);
      this.finish(pending.activity, "Cancelled", "Instance failed to complete user's Lifecycle Action: Lifecycle Action Completed with ABANDON Result");
      this.terminate(instance, "the launch lifecycle hook was abandoned");
      this.reconcile(group, "An instance was started in response to a difference between desired and actual capacity");
      return;
    }
    if (--pending.remaining > 0) return;
    this.pendingHooks.delete(instanceId);
    this.putInService(group, instance, pending.activity);
  }

  private putInService(group: Group, instance: Instance, activity: Activity) {
    if (!this.suspended(group, "AddToLoadBalancer")) for (const tg of group.targetGroupArns) this.world.elb.register(tg, instance.id);
    instance.lifecycle = "InService";
    instance.inServiceAt = this.world.clock.now();
    this.finish(activity, "Successful");
    this.world.changed({ type: "instance", instance: instance.id, lifecycle: "InService" });
    // Warm-up ends: the instance joins the group's metrics (and unblocks scale-in).
    this.world.clock.after(group.defaultInstanceWarmup * 1000, () => this.world.changed({ type: "instance-warm", instance: instance.id }));
    // A refresh's replacement, once warmed up, lets the refresh terminate an old instance.
    if (group.refreshes.some((r) => r.status === "InProgress" && r.replacements.includes(instance.id))) this.world.clock.after(refreshWarmupMs(group), () => this.advanceRefresh(group));
    this.advanceRefresh(group);
  }

  terminate(instance: Instance, cause: string) {
    if (!ACTIVE.has(instance.lifecycle)) return;
    const group = this.group(instance.group);
    const activity = this.activity(group, `Terminating EC2 instance: ${instance.id}`, cause);
    const wasRegistered = instance.lifecycle === "InService";
    instance.lifecycle = "Terminating";
    this.pendingHooks.delete(instance.id);
    this.world.changed({ type: "instance", instance: instance.id, lifecycle: "Terminating" });
    const done = () => {
      instance.lifecycle = "Terminated";
      this.finish(activity, "Successful");
      this.world.changed({ type: "instance", instance: instance.id, lifecycle: "Terminated" });
      this.advanceRefresh(group);
    };
    const groups = wasRegistered ? group.targetGroupArns.filter((tg) => this.world.elb.targetGroup(tg).targets.has(instance.id)) : [];
    let remaining = groups.length;
    if (!remaining) return done();
    for (const tg of groups) this.world.elb.deregister(tg, instance.id, () => --remaining === 0 && done());
  }

  /** ELB reported a target state: an unhealthy InService instance past its grace period is replaced. */
  onTargetState(instanceId: string, state: string) {
    if (state !== "unhealthy") return;
    const instance = this.world.instances.get(instanceId);
    if (!instance || instance.lifecycle !== "InService") return;
    const group = this.group(instance.group);
    if (group.healthCheckType !== "ELB") return;
    const graceEnds = instance.inServiceAt! + group.healthCheckGracePeriod * 1000;
    const check = () => {
      const stillUnhealthy = group.targetGroupArns.some((tg) => this.world.elb.targetGroup(tg).targets.get(instanceId)?.state === "unhealthy");
      if (!stillUnhealthy || instance.lifecycle !== "InService" || this.suspended(group, "HealthCheck")) return;
      instance.health = "Unhealthy";
      if (this.suspended(group, "ReplaceUnhealthy")) return;
      this.terminate(instance, `an instance was taken out of service in response to an ELB system health check failure`);
      this.reconcile(group, "An instance was started in response to a difference between desired and actual capacity");
    };
    if (this.world.clock.now() >= graceEnds) check();
    else this.world.clock.at(graceEnds, check);
  }

  /** A target tracking alarm in ALARM invokes its policy (every minute while it stays there). */
  runTargetTracking(groupName: string, policy: TargetTrackingPolicy, direction: "out" | "in", metric: number) {
    const group = this.group(groupName);
    if (this.suspended(group, "AlarmNotification")) return;
    const contributing = this.inService(group).filter((i) => this.isWarm(group, i)).length;
    if (!contributing) return;
    const needed = Math.ceil((contributing * metric) / policy.targetValue);
    const alarm = direction === "out" ? policy.highAlarm : policy.lowAlarm;
    const cause = `a monitor alarm ${alarm} in state ALARM triggered policy ${policy.name}`;
    if (direction === "out") {
      if (needed > group.desiredCapacity) this.setDesired(group, needed, cause);
      return;
    }
    const warming = this.members(group).some((i) => !this.isWarm(group, i));
    const cooledDown = this.world.clock.now() - group.lastScalingAt >= group.defaultCooldown * 1000;
    if (needed < group.desiredCapacity && cooledDown && !warming) this.setDesired(group, group.desiredCapacity - 1, cause);
  }

  /** A one-time scheduled action (replacing one of the same name). */
  schedule(group: Group, name: string, startTime: number, sizes: Pick<ScheduledAction, "minSize" | "maxSize" | "desiredCapacity">) {
    group.scheduled.get(name)?.cancel();
    const action: ScheduledAction = { name, startTime, ...sizes, cancel: () => {} };
    action.cancel = this.world.clock.at(startTime, () => {
      group.scheduled.delete(name);
      if (this.suspended(group, "ScheduledActions")) return;
      const bounds = this.sizes(group, { MinSize: action.minSize, MaxSize: action.maxSize, DesiredCapacity: action.desiredCapacity });
      this.resize(group, bounds, `a scheduled action update of AutoScalingGroup constraints (${name})`);
    });
    group.scheduled.set(name, action);
  }

  // -------------------------------------------------------------------------------------------
  // Instance refresh

  startInstanceRefresh(group: Group): InstanceRefresh {
    if (group.refreshes.some((r) => r.status === "Pending" || r.status === "InProgress")) {
      throw new AwsError("InstanceRefreshInProgress", `An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.`);
    }
    const refresh: InstanceRefresh = { id: this.world.ids.uuid(), status: "Pending", startTime: this.world.clock.now(), toReplace: [], replacements: [], targetVersion: group.launchTemplate.version };
    group.refreshes.push(refresh);
    this.world.clock.after(5_000, () => {
      if (refresh.status !== "Pending") return;
      refresh.status = "InProgress";
      refresh.toReplace = this.members(group).filter((i) => ACTIVE.has(i.lifecycle) && i.launchTemplate.version !== refresh.targetVersion).map((i) => i.id);
      this.advanceRefresh(group);
    });
    return refresh;
  }

  /** Launch before terminate: replacements up to MaxHealthyPercentage, old instances go once the new ones are warm. */
  private advanceRefresh(group: Group) {
    const refresh = group.refreshes.find((r) => r.status === "InProgress");
    if (!refresh || this.suspended(group, "InstanceRefresh")) return;
    const alive = (id: string) => ACTIVE.has(this.world.instances.get(id)?.lifecycle ?? "Terminated");
    const remainingOld = refresh.toReplace.filter(alive);
    if (!remainingOld.length) {
      refresh.status = "Successful";
      refresh.endTime = this.world.clock.now();
      refresh.replacements = [];
      return;
    }
    const maxExtra = Math.max(1, Math.floor((group.desiredCapacity * ((group.refreshPreferences?.maxHealthyPercentage ?? 100) - 100)) / 100));
    const liveReplacements = refresh.replacements.filter(alive);
    for (let n = liveReplacements.length; n < Math.min(maxExtra, remainingOld.length); n++) {
      refresh.replacements.push(this.launch(group, `an instance refresh ${refresh.id} replaces instances`, refresh.targetVersion).id);
    }
    const ready = refresh.replacements.filter((id) => {
      const i = this.world.instances.get(id);
      return i?.lifecycle === "InService" && i.inServiceAt! + refreshWarmupMs(group) <= this.world.clock.now();
    });
    for (const id of ready) {
      const old = remainingOld.shift();
      if (!old) break;
      refresh.replacements.splice(refresh.replacements.indexOf(id), 1);
      this.terminate(this.world.instances.get(old)!, `an instance refresh ${refresh.id} replaced it`);
    }
  }

  /** What `pulumi up` does when the group's launch template version changes (instanceRefresh set). */
  changeLaunchTemplateVersion(groupName: string, version: string) {
    const group = this.group(groupName);
    group.launchTemplate = { ...group.launchTemplate, version };
    if (group.refreshPreferences) this.startInstanceRefresh(group);
  }

  // -------------------------------------------------------------------------------------------
  // API

  private groupWire(group: Group): Wire {
    return {
      AutoScalingGroupName: group.name,
      AutoScalingGroupARN: group.arn,
      LaunchTemplate: { LaunchTemplateId: group.launchTemplate.id, Version: group.launchTemplate.version },
      MinSize: group.minSize,
      MaxSize: group.maxSize,
      DesiredCapacity: group.desiredCapacity,
      DefaultCooldown: group.defaultCooldown,
      AvailabilityZones: group.availabilityZones,
      HealthCheckType: group.healthCheckType,
      HealthCheckGracePeriod: group.healthCheckGracePeriod,
      DefaultInstanceWarmup: group.defaultInstanceWarmup,
      CreatedTime: new Date(group.createdAt),
      TargetGroupARNs: group.targetGroupArns,
      NewInstancesProtectedFromScaleIn: group.newInstancesProtectedFromScaleIn,
      Instances: this.members(group).map((i) => this.instanceWire(i)),
      SuspendedProcesses: [...group.suspended].map(([ProcessName, SuspensionReason]) => ({ ProcessName, SuspensionReason })),
      Tags: group.tags.map((t) => ({ ResourceId: group.name, ResourceType: "auto-scaling-group", ...t })),
    };
  }

  private instanceWire(i: Instance): Wire {
    return {
      InstanceId: i.id,
      InstanceType: "t3.small",
      AvailabilityZone: i.availabilityZone,
      LifecycleState: i.lifecycle,
      HealthStatus: i.health,
      LaunchTemplate: { LaunchTemplateId: i.launchTemplate.id, Version: i.launchTemplate.version },
      ProtectedFromScaleIn: i.protectedFromScaleIn,
    };
  }

  private sizes(group: Group, input: Wire): { min: number; max: number; desired?: number } {
    const min = input.MinSize !== undefined ? Number(input.MinSize) : group.minSize;
    const max = input.MaxSize !== undefined ? Number(input.MaxSize) : group.maxSize;
    const desired = input.DesiredCapacity !== undefined ? Number(input.DesiredCapacity) : undefined;
    if (min > max) throw new AwsError("ValidationError", `Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
    if (desired !== undefined && (desired < min || desired > max)) {
      throw new AwsError("ValidationError", `Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
    }
    return { min, max, ...(desired !== undefined && { desired }) };
  }

  /** Min/max/desired as UpdateAutoScalingGroup and scheduled actions apply them: desired follows the new bounds. */
  private resize(group: Group, sizes: { min: number; max: number; desired?: number }, cause: string) {
    group.minSize = sizes.min;
    group.maxSize = sizes.max;
    const desired = sizes.desired ?? Math.min(sizes.max, Math.max(sizes.min, group.desiredCapacity));
    if (desired !== group.desiredCapacity) this.setDesired(group, desired, cause);
    this.world.changed({ type: "group-sizes", group: group.name, min: group.minSize, max: group.maxSize, desired: group.desiredCapacity });
  }

  private processes(input: Wire): Process[] {
    const names: string[] = input.ScalingProcesses?.length ? input.ScalingProcesses : [...PROCESSES];
    for (const name of names) if (!PROCESSES.includes(name as Process)) throw new AwsError("ValidationError", `Invalid process name: ${name}`);
    return names as Process[];
  }

  endpoint(): ServiceEndpoint {
    return {
      protocol: "query",
      namespace: "http://autoscaling.amazonaws.com/doc/2011-01-01/",
      operations: {
        DescribeAutoScalingGroups: (input) => {
          const names: string[] = input.AutoScalingGroupNames?.length ? input.AutoScalingGroupNames : [...this.groups.keys()];
          return { AutoScalingGroups: names.filter((n) => this.groups.has(n)).map((n) => this.groupWire(this.groups.get(n)!)) };
        },
        DescribeAutoScalingInstances: (input) => {
          const ids: string[] = input.InstanceIds ?? [];
          return {
            AutoScalingInstances: [...this.world.instances.values()]
              .filter((i) => i.lifecycle !== "Terminated" && (!ids.length || ids.includes(i.id)))
              .map((i) => ({ ...this.instanceWire(i), AutoScalingGroupName: i.group })),
          };
        },
        UpdateAutoScalingGroup: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          if (input.HealthCheckGracePeriod !== undefined) group.healthCheckGracePeriod = Number(input.HealthCheckGracePeriod);
          if (input.DefaultInstanceWarmup !== undefined) group.defaultInstanceWarmup = Number(input.DefaultInstanceWarmup);
          if (input.NewInstancesProtectedFromScaleIn !== undefined) group.newInstancesProtectedFromScaleIn = String(input.NewInstancesProtectedFromScaleIn) === "true";
          this.resize(group, this.sizes(group, input), "a user request update of AutoScalingGroup constraints");
          return undefined;
        },
        SetDesiredCapacity: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          const { desired } = this.sizes(group, { DesiredCapacity: input.DesiredCapacity });
          this.setDesired(group, desired!, "a user request explicitly set group desired capacity");
          return undefined;
        },
        SuspendProcesses: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          for (const p of this.processes(input)) group.suspended.set(p, `User suspended at ${new Date(this.world.clock.now()).toISOString()}`);
          this.world.changed({ type: "processes", group: group.name, suspended: [...group.suspended.keys()] });
          return undefined;
        },
        ResumeProcesses: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          for (const p of this.processes(input)) group.suspended.delete(p);
          this.world.changed({ type: "processes", group: group.name, suspended: [...group.suspended.keys()] });
          this.reconcile(group, "processes resumed");
          this.advanceRefresh(group);
          return undefined;
        },
        SetInstanceProtection: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          const protect = String(input.ProtectedFromScaleIn) === "true";
          for (const id of input.InstanceIds as string[]) {
            const instance = this.members(group).find((i) => i.id === id);
            if (!instance) throw new AwsError("ValidationError", `The instance ${id} is not part of Auto Scaling group ${group.name}.`);
            instance.protectedFromScaleIn = protect;
          }
          this.world.changed({ type: "protection", group: group.name });
          return {};
        },
        TerminateInstanceInAutoScalingGroup: (input) => {
          const instance = this.world.instances.get(input.InstanceId);
          if (!instance || instance.lifecycle === "Terminated") throw new AwsError("ValidationError", `Instance Id not found - ${input.InstanceId}`);
          const group = this.group(instance.group);
          if (String(input.ShouldDecrementDesiredCapacity) === "true") group.desiredCapacity = Math.max(group.minSize, group.desiredCapacity - 1);
          this.terminate(instance, "a user request terminated the instance");
          const activity = group.activities.at(-1)!;
          this.reconcile(group, "An instance was started in response to a difference between desired and actual capacity");
          return { Activity: activity };
        },
        PutScheduledUpdateGroupAction: (input) => {
          if (input.Recurrence) throw new AwsError("ValidationError", "the model does not implement recurring scheduled actions");
          this.schedule(this.group(input.AutoScalingGroupName), String(input.ScheduledActionName), input.StartTime ? Date.parse(input.StartTime) : this.world.clock.now(), {
            ...(input.MinSize !== undefined && { minSize: Number(input.MinSize) }),
            ...(input.MaxSize !== undefined && { maxSize: Number(input.MaxSize) }),
            ...(input.DesiredCapacity !== undefined && { desiredCapacity: Number(input.DesiredCapacity) }),
          });
          return undefined;
        },
        DeleteScheduledAction: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          const action = group.scheduled.get(input.ScheduledActionName);
          if (!action) throw new AwsError("ValidationError", `Scheduled action name not found - ${input.ScheduledActionName}`);
          action.cancel();
          group.scheduled.delete(action.name);
          return undefined;
        },
        DescribeScheduledActions: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          const names: string[] | undefined = input.ScheduledActionNames?.length ? input.ScheduledActionNames : undefined;
          return {
            ScheduledUpdateGroupActions: [...group.scheduled.values()].filter((a) => !names || names.includes(a.name)).map((a) => ({
              AutoScalingGroupName: group.name,
              ScheduledActionName: a.name,
              StartTime: new Date(a.startTime),
              MinSize: a.minSize,
              MaxSize: a.maxSize,
              DesiredCapacity: a.desiredCapacity,
            })),
          };
        },
        DescribeScalingActivities: (input) => {
          const groups = input.AutoScalingGroupName ? [this.group(input.AutoScalingGroupName)] : [...this.groups.values()];
          const activities = groups.flatMap((g) => g.activities).sort((a, b) => b.StartTime.getTime() - a.StartTime.getTime());
          return { Activities: activities.slice(0, Number(input.MaxRecords ?? 100)) };
        },
        DescribePolicies: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          return {
            ScalingPolicies: group.policies.map((p) => ({
              AutoScalingGroupName: group.name,
              PolicyName: p.name,
              PolicyARN: p.arn,
              PolicyType: "TargetTrackingScaling",
              Enabled: true,
              TargetTrackingConfiguration: { PredefinedMetricSpecification: { PredefinedMetricType: "ASGAverageCPUUtilization" }, TargetValue: p.targetValue },
              Alarms: [{ AlarmName: p.highAlarm }, { AlarmName: p.lowAlarm }],
            })),
          };
        },
        DescribeLifecycleHooks: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          return {
            LifecycleHooks: group.launchHooks.map((h) => ({
              LifecycleHookName: h.name,
              AutoScalingGroupName: group.name,
              LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
              HeartbeatTimeout: 600,
              DefaultResult: "ABANDON",
            })),
          };
        },
        StartInstanceRefresh: (input) => ({ InstanceRefreshId: this.startInstanceRefresh(this.group(input.AutoScalingGroupName)).id }),
        CancelInstanceRefresh: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          const refresh = group.refreshes.find((r) => r.status === "Pending" || r.status === "InProgress");
          if (!refresh) throw new AwsError("ActiveInstanceRefreshNotFound", "No in progress or pending Instance Refresh found for Auto Scaling group");
          Object.assign(refresh, { status: "Cancelled", endTime: this.world.clock.now() });
          return { InstanceRefreshId: refresh.id };
        },
        DescribeInstanceRefreshes: (input) => {
          const group = this.group(input.AutoScalingGroupName);
          return {
            InstanceRefreshes: [...group.refreshes].reverse().map((r) => ({
              InstanceRefreshId: r.id,
              AutoScalingGroupName: group.name,
              Status: r.status,
              StartTime: new Date(r.startTime),
              ...(r.endTime !== undefined && { EndTime: new Date(r.endTime) }),
              PercentageComplete: r.status === "Successful" ? 100 : r.toReplace.length ? Math.floor((100 * r.toReplace.filter((id) => this.world.instances.get(id)?.lifecycle === "Terminated").length) / r.toReplace.length) : 0,
              InstancesToUpdate: r.toReplace.filter((id) => this.world.instances.get(id)?.lifecycle !== "Terminated").length,
            })),
          };
        },
      },
    };
  }
}
