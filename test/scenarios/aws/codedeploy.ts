/**
 * CodeDeploy for EC2 in-place deployment groups on Auto Scaling groups.
 *
 * - Deployments progress per instance through the in-place lifecycle events in order
 *   (codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#reference-appspec-file-structure-hooks-run-order);
 *   without traffic control the (Before|After)?(Block|Allow)Traffic events are Skipped. Event
 *   durations are the model's (`EVENT_MS`); the docs give none. DownloadBundle fetches the
 *   revision's S3 object: the given `version`, else whatever version is current at that moment
 *   (codedeploy/latest/APIReference/API_S3Location.html); a given `eTag` must match.
 * - Outcome per instance follows the installed release (revision.ts). CodeDeployDefault.AllAtOnce
 *   (deployment-configurations.html): all instances at once; the deployment Succeeded if the
 *   revision reached at least one instance, else Failed. An instance terminated mid-deployment
 *   fails the deployment (troubleshooting-auto-scaling.html, AWS-BEHAVIOURS.md; the error code is
 *   not documented: the model uses HEALTH_CONSTRAINTS).
 * - Auto Scaling (integrations-aws-auto-scaling.html): CodeDeploy installs a launch hook on each
 *   group; an instance launched there gets a deployment (creator `autoscaling`) of the deployment
 *   group's last successful revision before it goes InService, and the hook is abandoned (the
 *   instance terminated) if it fails. With no successful deployment yet the hook simply
 *   continues. Instances launched while a deployment runs get the last successful revision, and
 *   with outdatedInstancesStrategy UPDATE a follow-up deployment (creator CodeDeployAutoUpdate)
 *   brings them to the new one once it succeeded.
 * - Alarms (monitoring-create-alarms.html): a deployment whose group has an alarm in ALARM is
 *   stopped (ALARM_ACTIVE), at creation or while running; automatic deployments included. The
 *   docs do not say how often a running deployment polls its alarms: the model polls every 15 s.
 * - Automatic rollback (deployments-rollback-and-redeploy.html): a failed or alarm-stopped
 *   deployment, when configured, is followed by a new deployment (creator `codeDeployRollback`)
 *   of the last successful revision.
 * - ListDeployments documents no order (API_ListDeployments.html): the model answers in a
 *   deterministic shuffle that is never newest-first, 10 to a page (the page size is not
 *   documented either), filtered by group, includeOnlyStatuses and createTimeRange.
 */
import { createHash } from "node:crypto";
import type { Cancel } from "./clock";
import type { InstalledRevision, Instance } from "./instances";
import { AwsError, type Wire } from "./protocols";
import { parseRevision } from "./revision";
import type { ServiceEndpoint } from "./server";
import type { World } from "./world";

export interface S3Location {
  bucket: string;
  key: string;
  bundleType: string;
  version?: string;
  eTag?: string;
}

export interface DeploymentGroup {
  application: string;
  name: string;
  id: string;
  autoScalingGroups: string[];
  alarms: { enabled: boolean; names: string[]; ignorePollAlarmFailure: boolean };
  autoRollback: { enabled: boolean; events: string[] };
  deploymentConfigName: string;
  outdatedInstancesStrategy: string;
  serviceRoleArn: string;
  lastAttempted?: string;
  lastSuccessful?: string;
}

interface LifecycleEvent {
  lifecycleEventName: string;
  status: "Pending" | "InProgress" | "Succeeded" | "Failed" | "Skipped";
  startTime?: Date;
  endTime?: Date;
  diagnostics?: { errorCode: string; scriptName: string; message: string; logTail: string };
}

interface Target {
  instanceId: string;
  status: "Pending" | "InProgress" | "Succeeded" | "Failed" | "Skipped";
  lastUpdatedAt: number;
  events: LifecycleEvent[];
  cancel?: Cancel;
}

export interface Deployment {
  id: string;
  application: string;
  group: string;
  revision: S3Location;
  creator: "user" | "autoscaling" | "codeDeployRollback" | "CodeDeployAutoUpdate";
  status: "Created" | "Queued" | "InProgress" | "Succeeded" | "Failed" | "Stopped";
  createTime: number;
  startTime?: number;
  completeTime?: number;
  description?: string;
  errorInformation?: { code: string; message: string };
  fileExistsBehavior?: string;
  targets: Map<string, Target>;
  /** Autoscaling and follow-up deployments name their instances; others take the group's InService ones. */
  instanceIds?: string[];
  rollbackInfo?: Wire;
  autoRollbackEnabled: boolean;
  alarmPoll?: Cancel;
}

const SKIPPED_BEFORE = ["BeforeBlockTraffic", "BlockTraffic", "AfterBlockTraffic"];
const SKIPPED_AFTER = ["BeforeAllowTraffic", "AllowTraffic", "AfterAllowTraffic"];
/** The in-place events that run, with the time the model gives each. */
export const EVENT_MS: [string, number][] = [
  ["ApplicationStop", 2_000],
  ["DownloadBundle", 3_000],
  ["BeforeInstall", 2_000],
  ["Install", 4_000],
  ["AfterInstall", 2_000],
  ["ApplicationStart", 35_000],
  ["ValidateService", 10_000],
];
const START_DELAY_MS = 3_000;
const ALARM_POLL_MS = 15_000;
const PAGE = 10;
const ACTIVE = new Set(["Created", "Queued", "InProgress"]);
/** Why a target failed when the instance went away under it (the deployment then fails as a whole). */
const INSTANCE_TERMINATED = "The instance was terminated during the deployment";

/** A target whose lifecycle events have not all run yet. */
const unfinished = (target: Target) => target.status === "InProgress" || target.status === "Pending";

class EventFailure extends Error {
  constructor(
    readonly errorCode: string,
    readonly scriptName: string,
    message: string,
    readonly logTail = "",
  ) {
    super(message);
  }
}

export class CodeDeployModel {
  readonly applications = new Set<string>();
  readonly groups = new Map<string, DeploymentGroup>();
  readonly deployments = new Map<string, Deployment>();

  constructor(private readonly world: World) {}

  addApplication(name: string) {
    this.applications.add(name);
  }

  addDeploymentGroup(group: Omit<DeploymentGroup, "id">) {
    const full: DeploymentGroup = { ...group, id: this.world.ids.uuid() };
    this.groups.set(`${group.application}/${group.name}`, full);
    for (const asg of group.autoScalingGroups) {
      this.world.autoscaling.addLaunchHook(asg, `CodeDeploy-managed-automatic-launch-deployment-hook-${group.name}-${full.id}`, (instance) => this.onLaunch(full, instance));
    }
  }

  group(application: string, name: string): DeploymentGroup {
    if (!this.applications.has(application)) throw new AwsError("ApplicationDoesNotExistException", `No application found for name: ${application}`);
    const group = this.groups.get(`${application}/${name}`);
    if (!group) throw new AwsError("DeploymentGroupDoesNotExistException", `No Deployment Group found for name: ${name}`);
    return group;
  }

  deployment(id: string): Deployment {
    const deployment = this.deployments.get(id);
    if (!deployment) throw new AwsError("DeploymentDoesNotExistException", `Deployment ${id} does not exist`);
    return deployment;
  }

  private groupInstances(group: DeploymentGroup): Instance[] {
    return group.autoScalingGroups.flatMap((asg) => this.world.autoscaling.inService(this.world.autoscaling.group(asg)));
  }

  create(group: DeploymentGroup, revision: S3Location, creator: Deployment["creator"], options: { description?: string; instanceIds?: string[]; fileExistsBehavior?: string; autoRollbackEnabled?: boolean } = {}): Deployment {
    const deployment: Deployment = {
      id: this.world.ids.deploymentId(),
      application: group.application,
      group: group.name,
      revision,
      creator,
      status: "Created",
      createTime: this.world.clock.now(),
      targets: new Map(),
      autoRollbackEnabled: options.autoRollbackEnabled ?? group.autoRollback.enabled,
      ...(options.description !== undefined && { description: options.description }),
      ...(options.instanceIds && { instanceIds: options.instanceIds }),
      ...(options.fileExistsBehavior && { fileExistsBehavior: options.fileExistsBehavior }),
    };
    this.deployments.set(deployment.id, deployment);
    group.lastAttempted = deployment.id;
    this.world.changed({ type: "deployment", id: deployment.id, group: group.name, status: "Created", creator });
    if (!this.stopIfAlarm(group, deployment)) {
      this.world.clock.after(START_DELAY_MS, () => this.start(group, deployment));
      deployment.alarmPoll = this.world.clock.every(ALARM_POLL_MS, 0, () => this.stopIfAlarm(group, deployment));
    }
    return deployment;
  }

  private alarmsInAlarm(group: DeploymentGroup): string[] {
    if (!group.alarms.enabled) return [];
    return group.alarms.names.filter((name) => this.world.cloudwatch.alarmState(name) === "ALARM");
  }

  private stopIfAlarm(group: DeploymentGroup, deployment: Deployment): boolean {
    if (!ACTIVE.has(deployment.status)) return false;
    const firing = this.alarmsInAlarm(group);
    if (!firing.length) return false;
    this.end(group, deployment, "Stopped", {
      code: "ALARM_ACTIVE",
      message: `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${firing.join(", ")}>`,
    });
    return true;
  }

  private start(group: DeploymentGroup, deployment: Deployment) {
    if (deployment.status !== "Created") return;
    const instances = deployment.instanceIds
      ? deployment.instanceIds.map((id) => this.world.instances.get(id)!).filter((i) => i.lifecycle !== "Terminated" && i.lifecycle !== "Terminating")
      : this.groupInstances(group);
    deployment.status = "InProgress";
    deployment.startTime = this.world.clock.now();
    this.world.changed({ type: "deployment", id: deployment.id, group: group.name, status: "InProgress", creator: deployment.creator });
    if (!instances.length) {
      return this.end(group, deployment, "Failed", { code: "NO_INSTANCES", message: "The deployment failed because no instances were found for your deployment group. Check your deployment group settings to make sure the tags for your Amazon EC2 instances or Auto Scaling groups correctly identify the instances you want to deploy to, and then try again." });
    }
    for (const instance of instances) {
      const target: Target = {
        instanceId: instance.id,
        status: "InProgress",
        lastUpdatedAt: this.world.clock.now(),
        events: [
          ...SKIPPED_BEFORE.map((name) => ({ lifecycleEventName: name, status: "Skipped" as const })),
          ...EVENT_MS.map(([name]) => ({ lifecycleEventName: name, status: "Pending" as const })),
          ...SKIPPED_AFTER.map((name) => ({ lifecycleEventName: name, status: "Pending" as const })),
        ],
      };
      deployment.targets.set(instance.id, target);
      this.runEvent(group, deployment, target, instance, 0);
    }
  }

  /** Runs the target's `index`-th in-place event, then the next, until one fails or all ran. */
  private runEvent(group: DeploymentGroup, deployment: Deployment, target: Target, instance: Instance, index: number) {
    const now = () => new Date(this.world.clock.now());
    if (index === EVENT_MS.length) {
      for (const event of target.events.filter((e) => SKIPPED_AFTER.includes(e.lifecycleEventName))) event.status = "Skipped";
      return this.finishTarget(group, deployment, target, "Succeeded");
    }
    const [name, ms] = EVENT_MS[index]!;
    const event = target.events.find((e) => e.lifecycleEventName === name)!;
    Object.assign(event, { status: "InProgress", startTime: now() });
    target.lastUpdatedAt = this.world.clock.now();
    target.cancel = this.world.clock.after(ms, () => {
      try {
        this.completeEvent(deployment, name, instance);
        Object.assign(event, { status: "Succeeded", endTime: now(), diagnostics: { errorCode: "Success", scriptName: "", message: "Succeeded", logTail: "" } });
        this.runEvent(group, deployment, target, instance, index + 1);
      } catch (error) {
        if (!(error instanceof EventFailure)) throw error;
        Object.assign(event, { status: "Failed", endTime: now(), diagnostics: { errorCode: error.errorCode, scriptName: error.scriptName, message: error.message, logTail: error.logTail } });
        this.finishTarget(group, deployment, target, "Failed");
      }
    });
  }

  /** What an event does to the instance; throws EventFailure when it fails there. */
  private completeEvent(deployment: Deployment, name: string, instance: Instance) {
    if (name === "DownloadBundle") {
      const { bucket, key, version, eTag } = deployment.revision;
      let object;
      try {
        object = this.world.s3.getObject(bucket, key, version);
      } catch (error) {
        throw new EventFailure("UnknownError", "", `${(error as Error).message} (s3://${bucket}/${key}${version ? ` version ${version}` : ""})`);
      }
      if (eTag && object.etag.replace(/"/g, "") !== eTag.replace(/"/g, "")) {
        throw new EventFailure("UnknownError", "", `The eTag of the object at s3://${bucket}/${key} does not match the revision's eTag ${eTag}`);
      }
      this.downloaded.set(`${deployment.id}/${instance.id}`, { bucket, key, versionId: object.versionId, etag: object.etag, spec: parseRevision(object.body), deploymentId: deployment.id });
    } else if (name === "ApplicationStart") {
      const revision = this.downloaded.get(`${deployment.id}/${instance.id}`)!;
      const spec = revision.spec;
      instance.app = { revision, state: spec && spec.behaviour !== "fails-validate" ? "running" : "broken" };
      this.world.changed({ type: "app", instance: instance.id, version: spec?.version });
      if (spec?.behaviour === "crash-after-ready") {
        this.world.clock.after((spec.crashAfterSeconds ?? 120) * 1000, () => {
          if (instance.app.revision !== revision) return;
          instance.app = { revision, state: "broken" };
          this.world.changed({ type: "app", instance: instance.id, version: spec.version, crashed: true });
        });
      }
      if (!spec) throw new EventFailure("ScriptFailed", "hooks/application_start.sh", "Script at specified location: hooks/application_start.sh run as user root failed with exit code 1", "no runnable release in the bundle\n");
    } else if (name === "ValidateService") {
      const spec = instance.app.revision?.spec;
      if (!spec || spec.behaviour === "fails-validate") {
        throw new EventFailure(
          "ScriptFailed",
          "hooks/validate_service.sh",
          "Script at specified location: hooks/validate_service.sh run as user root failed with exit code 1",
          `[stderr]process on port 3001 did not answer /health/deep with 200 (release ${spec?.version ?? "?"})\n`,
        );
      }
    }
  }

  private readonly downloaded = new Map<string, InstalledRevision>();

  /** Ends a target before its events do: CodeDeploy fails the running event with `message`, and the target. */
  private abortTarget(group: DeploymentGroup, deployment: Deployment, target: Target, message: string) {
    target.cancel?.();
    const running = target.events.find((e) => e.status === "InProgress");
    if (running) Object.assign(running, { status: "Failed", endTime: new Date(this.world.clock.now()), diagnostics: { errorCode: "UnknownError", scriptName: "", message, logTail: "" } });
    this.finishTarget(group, deployment, target, "Failed");
  }

  private finishTarget(group: DeploymentGroup, deployment: Deployment, target: Target, status: "Succeeded" | "Failed") {
    target.status = status;
    target.lastUpdatedAt = this.world.clock.now();
    target.cancel = undefined;
    for (const event of target.events) if (event.status === "Pending") event.status = "Skipped";
    if (deployment.creator === "autoscaling") this.world.autoscaling.completeLaunchHook(target.instanceId, status === "Succeeded" ? "CONTINUE" : "ABANDON");
    const targets = [...deployment.targets.values()];
    if (targets.some(unfinished) || deployment.status !== "InProgress") return;
    const terminated = targets.filter((t) => t.events.some((e) => e.diagnostics?.message === INSTANCE_TERMINATED));
    if (terminated.length) {
      return this.end(group, deployment, "Failed", { code: "HEALTH_CONSTRAINTS", message: `The deployment failed because instances were terminated during it: ${terminated.map((t) => t.instanceId).join(", ")}` });
    }
    if (targets.some((t) => t.status === "Succeeded")) return this.end(group, deployment, "Succeeded");
    this.end(group, deployment, "Failed", {
      code: "HEALTH_CONSTRAINTS",
      message: "The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.",
    });
  }

  private end(group: DeploymentGroup, deployment: Deployment, status: "Succeeded" | "Failed" | "Stopped", error?: { code: string; message: string }) {
    deployment.status = status;
    deployment.completeTime = this.world.clock.now();
    if (error) deployment.errorInformation = error;
    deployment.alarmPoll?.();
    // The deployment's status is already final, so finishing these targets does not end it again.
    for (const target of deployment.targets.values()) if (unfinished(target)) this.abortTarget(group, deployment, target, "The deployment was stopped");
    if (deployment.creator === "autoscaling" && status !== "Succeeded") {
      for (const id of deployment.instanceIds ?? []) if (!deployment.targets.has(id)) this.world.autoscaling.completeLaunchHook(id, "ABANDON");
    }
    if (status === "Succeeded") group.lastSuccessful = deployment.id;
    this.world.changed({ type: "deployment", id: deployment.id, group: group.name, status, creator: deployment.creator });
    if (status === "Succeeded") this.updateOutdated(group, deployment);
    else this.rollBack(group, deployment, status);
  }

  /** Instances launched during the deployment got the previous revision; UPDATE brings them up to date. */
  private updateOutdated(group: DeploymentGroup, deployment: Deployment) {
    if (group.outdatedInstancesStrategy !== "UPDATE" || deployment.creator === "autoscaling") return;
    const outdated = this.groupInstances(group).filter((i) => !deployment.targets.has(i.id) && i.app.revision?.deploymentId !== deployment.id);
    if (outdated.length) this.create(group, deployment.revision, "CodeDeployAutoUpdate", { instanceIds: outdated.map((i) => i.id) });
  }

  private rollBack(group: DeploymentGroup, deployment: Deployment, status: "Failed" | "Stopped") {
    const event = status === "Stopped" ? "DEPLOYMENT_STOP_ON_ALARM" : "DEPLOYMENT_FAILURE";
    // Automatic deployments and rollbacks themselves are not rolled back.
    if (!deployment.autoRollbackEnabled || !group.autoRollback.events.includes(event) || deployment.creator === "autoscaling" || deployment.creator === "codeDeployRollback") return;
    if (status === "Stopped" && deployment.errorInformation?.code !== "ALARM_ACTIVE") return;
    const lastGood = group.lastSuccessful && this.deployments.get(group.lastSuccessful);
    if (!lastGood) return;
    const rollback = this.create(group, lastGood.revision, "codeDeployRollback", { description: `Rollback of ${deployment.id}` });
    rollback.rollbackInfo = { rollbackTriggeringDeploymentId: deployment.id, rollbackMessage: `Automatic rollback triggered by ${event}` };
    deployment.rollbackInfo = { rollbackDeploymentId: rollback.id, rollbackMessage: `Automatic rollback to ${lastGood.id} triggered by ${event}` };
  }

  /** The launch hook: deploy the group's last successful revision to the new instance first. */
  private onLaunch(group: DeploymentGroup, instance: Instance) {
    const lastGood = group.lastSuccessful && this.deployments.get(group.lastSuccessful);
    if (!lastGood) return this.world.autoscaling.completeLaunchHook(instance.id, "CONTINUE");
    // Instances that reach the hook together share one deployment, as CodeDeploy batches them.
    const batch = [...this.deployments.values()].find(
      (d) => d.group === group.name && d.creator === "autoscaling" && d.status === "Created" && d.createTime === this.world.clock.now() && d.revision === lastGood.revision,
    );
    if (batch) batch.instanceIds!.push(instance.id);
    else this.create(group, lastGood.revision, "autoscaling", { instanceIds: [instance.id] });
  }

  /** The ASG terminates an instance: a deployment running on it fails there. */
  onInstanceTerminating(instanceId: string) {
    for (const deployment of this.deployments.values()) {
      const target = deployment.targets.get(instanceId);
      if (target && unfinished(target)) this.abortTarget(this.group(deployment.application, deployment.group), deployment, target, INSTANCE_TERMINATED);
    }
  }

  // -------------------------------------------------------------------------------------------
  // API

  private overview(deployment: Deployment): Wire {
    const counts: Record<string, number> = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 };
    for (const target of deployment.targets.values()) counts[target.status] = (counts[target.status] ?? 0) + 1;
    if (deployment.status === "Created") counts.Pending = deployment.instanceIds?.length ?? 0;
    return counts;
  }

  private deploymentInfo(deployment: Deployment): Wire {
    const group = this.group(deployment.application, deployment.group);
    return {
      applicationName: deployment.application,
      deploymentGroupName: deployment.group,
      deploymentConfigName: group.deploymentConfigName,
      deploymentId: deployment.id,
      revision: { revisionType: "S3", s3Location: deployment.revision },
      status: deployment.status,
      ...(deployment.errorInformation && { errorInformation: deployment.errorInformation }),
      createTime: new Date(deployment.createTime),
      ...(deployment.startTime !== undefined && { startTime: new Date(deployment.startTime) }),
      ...(deployment.completeTime !== undefined && { completeTime: new Date(deployment.completeTime) }),
      deploymentOverview: this.overview(deployment),
      ...(deployment.description !== undefined && { description: deployment.description }),
      creator: deployment.creator,
      ignoreApplicationStopFailures: false,
      autoRollbackConfiguration: { enabled: deployment.autoRollbackEnabled, events: group.autoRollback.events },
      ...(deployment.rollbackInfo && { rollbackInfo: deployment.rollbackInfo }),
      deploymentStyle: { deploymentType: "IN_PLACE", deploymentOption: "WITHOUT_TRAFFIC_CONTROL" },
      ...(deployment.fileExistsBehavior && { fileExistsBehavior: deployment.fileExistsBehavior }),
      computePlatform: "Server",
    };
  }

  private lastInfo(id: string | undefined): Wire | undefined {
    const d = id ? this.deployments.get(id) : undefined;
    return d && { deploymentId: d.id, status: d.status, createTime: new Date(d.createTime), ...(d.completeTime !== undefined && { endTime: new Date(d.completeTime) }) };
  }

  /** A deterministic order that does not follow creation (ListDeployments documents none). */
  private listOrder(ids: string[]): string[] {
    const hash = (id: string) => createHash("sha256").update(`${this.world.seed}:${id}`).digest("hex");
    const shuffled = [...ids].sort((a, b) => hash(a).localeCompare(hash(b)));
    const newestFirst = [...ids].reverse();
    if (shuffled.length > 1 && shuffled.every((id, i) => id === newestFirst[i])) [shuffled[0], shuffled[1]] = [shuffled[1]!, shuffled[0]!];
    return shuffled;
  }

  private page<T>(items: T[], nextToken: string | undefined): { items: T[]; nextToken?: string } {
    const start = nextToken ? Number(nextToken) : 0;
    const end = start + PAGE;
    return { items: items.slice(start, end), ...(end < items.length && { nextToken: String(end) }) };
  }

  endpoint(): ServiceEndpoint {
    return {
      protocol: "json",
      version: "1.1",
      queryCompatible: false,
      operations: {
        GetDeploymentGroup: (input) => {
          const group = this.group(input.applicationName, input.deploymentGroupName);
          const lastAttempted = this.lastInfo(group.lastAttempted);
          return {
            deploymentGroupInfo: {
              applicationName: group.application,
              deploymentGroupId: group.id,
              deploymentGroupName: group.name,
              deploymentConfigName: group.deploymentConfigName,
              serviceRoleArn: group.serviceRoleArn,
              autoScalingGroups: group.autoScalingGroups.map((name) => ({ name, hook: this.world.autoscaling.group(name).launchHooks[0]?.name })),
              ...(group.lastAttempted && { targetRevision: { revisionType: "S3", s3Location: this.deployment(group.lastAttempted).revision } }),
              alarmConfiguration: { enabled: group.alarms.enabled, ignorePollAlarmFailure: group.alarms.ignorePollAlarmFailure, alarms: group.alarms.names.map((name) => ({ name })) },
              autoRollbackConfiguration: group.autoRollback,
              deploymentStyle: { deploymentType: "IN_PLACE", deploymentOption: "WITHOUT_TRAFFIC_CONTROL" },
              outdatedInstancesStrategy: group.outdatedInstancesStrategy,
              ...(lastAttempted && { lastAttemptedDeployment: lastAttempted }),
              ...(group.lastSuccessful && { lastSuccessfulDeployment: this.lastInfo(group.lastSuccessful) }),
              computePlatform: "Server",
            },
          };
        },
        GetDeployment: (input) => ({ deploymentInfo: this.deploymentInfo(this.deployment(input.deploymentId)) }),
        BatchGetDeployments: (input) => ({ deploymentsInfo: (input.deploymentIds as string[]).map((id) => this.deploymentInfo(this.deployment(id))) }),
        ListDeployments: (input) => {
          const group = input.deploymentGroupName ? this.group(input.applicationName, input.deploymentGroupName) : undefined;
          const statuses: string[] | undefined = input.includeOnlyStatuses;
          // createTimeRange bounds arrive as epoch seconds (the JSON protocol's timestamps).
          const range = { start: (input.createTimeRange?.start ?? -Infinity) * 1000, end: (input.createTimeRange?.end ?? Infinity) * 1000 };
          const ids = [...this.deployments.values()]
            .filter((d) => (!input.applicationName || d.application === input.applicationName) && (!group || d.group === group.name))
            .filter((d) => (!statuses?.length || statuses.includes(d.status)) && d.createTime >= range.start && d.createTime <= range.end)
            .map((d) => d.id);
          const { items, nextToken } = this.page(this.listOrder(ids), input.nextToken);
          return { deployments: items, ...(nextToken && { nextToken }) };
        },
        CreateDeployment: (input) => {
          const group = this.group(input.applicationName, input.deploymentGroupName);
          const s3: Wire | undefined = input.revision?.s3Location;
          if (input.revision?.revisionType !== "S3" || !s3?.bucket || !s3.key) throw new AwsError("InvalidRevisionException", "The revision must name an S3 bucket and key");
          const active = [...this.deployments.values()].find((d) => d.group === group.name && ACTIVE.has(d.status));
          if (active) throw new AwsError("DeploymentLimitExceededException", `The Deployment Group '${group.name}' already has an active Deployment '${active.id}'`);
          const revision: S3Location = { bucket: s3.bucket, key: s3.key, bundleType: s3.bundleType ?? "zip", ...(s3.version && { version: s3.version }), ...(s3.eTag && { eTag: s3.eTag }) };
          const deployment = this.create(group, revision, "user", {
            ...(input.description !== undefined && { description: input.description }),
            ...(input.fileExistsBehavior && { fileExistsBehavior: input.fileExistsBehavior }),
            ...(input.autoRollbackConfiguration && { autoRollbackEnabled: input.autoRollbackConfiguration.enabled }),
          });
          return { deploymentId: deployment.id };
        },
        StopDeployment: (input) => {
          const deployment = this.deployment(input.deploymentId);
          if (!ACTIVE.has(deployment.status)) throw new AwsError("DeploymentAlreadyCompletedException", `Deployment ${deployment.id} has already completed`);
          if (input.autoRollbackEnabled !== undefined) deployment.autoRollbackEnabled = input.autoRollbackEnabled;
          this.end(this.group(deployment.application, deployment.group), deployment, "Stopped", { code: "MANUAL_STOP", message: "The deployment was stopped by the user" });
          return { status: "Succeeded", statusMessage: "Deployment stopped" };
        },
        ListDeploymentTargets: (input) => {
          const deployment = this.deployment(input.deploymentId);
          const statuses: string[] | undefined = input.targetFilters?.TargetStatus;
          const ids = [...deployment.targets.values()].filter((t) => !statuses?.length || statuses.includes(t.status)).map((t) => t.instanceId);
          const { items, nextToken } = this.page(ids, input.nextToken);
          return { targetIds: items, ...(nextToken && { nextToken }) };
        },
        BatchGetDeploymentTargets: (input) => {
          const deployment = this.deployment(input.deploymentId);
          const ids: string[] = input.targetIds ?? [];
          if (ids.length > 25) throw new AwsError("DeploymentTargetListSizeExceededException", "The maximum number of targets that can be associated with a deployment was exceeded: 25");
          return {
            deploymentTargets: ids.map((id) => {
              const target = deployment.targets.get(id);
              if (!target) throw new AwsError("DeploymentTargetDoesNotExistException", `The deployment target ${id} does not exist`);
              return {
                deploymentTargetType: "InstanceTarget",
                instanceTarget: {
                  deploymentId: deployment.id,
                  targetId: id,
                  targetArn: `arn:aws:ec2:${this.world.region}:${this.world.accountId}:instance/${id}`,
                  status: target.status,
                  lastUpdatedAt: new Date(target.lastUpdatedAt),
                  lifecycleEvents: target.events,
                },
              };
            }),
          };
        },
        GetDeploymentConfig: (input) => ({
          deploymentConfigInfo: { deploymentConfigName: input.deploymentConfigName, minimumHealthyHosts: { type: "HOST_COUNT", value: 0 }, computePlatform: "Server" },
        }),
      },
    };
  }
}
