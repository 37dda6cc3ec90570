import type { DeploymentInfo, DeploymentTarget } from "@aws-sdk/client-codedeploy";
import { otherColor, soleColor, formatWeights, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { checkFailed, refused } from "../errors";
import { describeFleets, runningInstanceRefresh } from "../aws/auto-scaling";
import {
  createDeployment,
  deploymentTargets,
  failureDetails,
  formatRevision,
  getDeployment,
  groupDeployments,
  instanceProblemLines,
  isActive,
  revisionOf,
  sameObject,
  type ObjectRevision,
  type S3Revision,
} from "../aws/deployments";
import { readListenerWeights } from "../aws/listeners";
import { targetHealth, targetProblems } from "../aws/target-health";
import { currentObject } from "../aws/objects";

export interface DeployOptions {
  revision: S3Revision;
  description: string;
  timeoutSeconds: number;
  pollSeconds: number;
}

/**
 * Deploys a revision to the idle color's deployment group and waits for the outcome. The
 * deployment names the exact object version and ETag the key holds now (DESIGN decision 13), so
 * it and every later automatic deployment of the group install that upload and no other. It waits
 * first while the idle color's instance refresh runs (a refresh terminates instances, and an
 * instance terminated during a deployment fails it: codedeploy/latest/userguide/troubleshooting-auto-scaling.html)
 * and while CodeDeploy's own deployments to instances the group launched run (the group takes one
 * deployment at a time).
 * Re-running it is safe: a deployment of the same object that is still running is waited on, not
 * duplicated, and one that already succeeded is not repeated.
 */
export async function deploy(ctx: ReleaseContext, options: DeployOptions): Promise<void> {
  const [production] = await readListenerWeights(ctx, [ctx.outputs.productionListenerArn]);
  const live = soleColor(production!);
  if (!live) {
    throw refused(
      `production traffic is split (${formatWeights(production!)}): both colors serve users, so neither is idle. ` +
        "Finish the switch (`switch`) or roll back (`rollback`) first.",
    );
  }
  const idle = otherColor(live);
  const object = await currentObject(ctx, options.revision);
  ctx.log(`${idle}: deploying ${formatRevision(object)}`);
  const started = ctx.clock.now();
  let outcome = await waitForDeployment(ctx, await existingOrNewDeployment(ctx, idle, object, options), options);
  for (;;) {
    if (outcome.status === "Succeeded") break;
    const failed = await deploymentTargets(ctx, outcome.deploymentId!, ["Failed"]);
    const lost = await lostInstances(ctx, outcome, failed, idle);
    if (lost === undefined || ctx.clock.now() - started >= options.timeoutSeconds * 1000) {
      throw checkFailed([`deployment ${outcome.deploymentId} to ${idle} ended ${outcome.status}`, ...failureDetails(outcome, failed)].join("\n  "));
    }
    ctx.log(
      `${idle}: deployment ${outcome.deploymentId} failed because ` +
        (lost.length ? `the Auto Scaling group took its instances out during it (${lost.join(", ")})` : "the group had no instance in service") +
        "; deploying again once the group's instances are in service",
    );
    await waitForInstancesInService(ctx, idle, options);
    outcome = await waitForDeployment(ctx, await existingOrNewDeployment(ctx, idle, object, options), options);
  }
  await requireEveryInstanceSucceeded(ctx, outcome, idle);
  ctx.log(`deployment ${outcome.deploymentId} to ${idle} succeeded on every instance`);
  await waitForHealthyTargets(ctx, idle, options);
  ctx.log(`${idle}: targets pass their health checks; next: verify`);
}

/**
 * The instances a failed deployment lost to its Auto Scaling group, when that is all that failed
 * it (`failed`: its Failed targets): CodeDeploy found none in service (NO_INSTANCES), or every instance it failed on has left
 * service in the group and failed no hook script there. An Auto Scaling group replaces an
 * instance whose ELB health check fails once its grace period ends
 * (autoscaling/ec2/userguide/ec2-auto-scaling-health-checks.html), which is every instance of a
 * fleet without the app, before its first release; and an instance terminated during a deployment
 * fails it (codedeploy/latest/userguide/troubleshooting-auto-scaling.html; the error CodeDeploy
 * reports for it is not documented, hence the look at the group). Undefined: the release failed.
 */
async function lostInstances(ctx: ReleaseContext, deployment: DeploymentInfo, failed: DeploymentTarget[], idle: Color): Promise<string[] | undefined> {
  if (deployment.status !== "Failed") return undefined;
  if (deployment.errorInformation?.code === "NO_INSTANCES") return [];
  if (!failed.length) return undefined;
  if (failed.some((t) => t.instanceTarget?.lifecycleEvents?.some((e) => e.diagnostics?.errorCode === "ScriptFailed"))) return undefined;
  const { [idle]: fleet } = await describeFleets(ctx, [idle]);
  const ids = failed.map((t) => t.instanceTarget?.targetId ?? "?");
  return ids.some((id) => fleet.inService.includes(id)) ? undefined : ids;
}

/** Waits until the color's group has instances in service and none launching, printing progress; exit 1 after the deploy timeout. */
async function waitForInstancesInService(ctx: ReleaseContext, color: Color, options: DeployOptions) {
  const started = ctx.clock.now();
  const progress = changedOrEveryMinute(ctx);
  for (;;) {
    const { [color]: fleet } = await describeFleets(ctx, [color]);
    if (fleet.inService.length && !fleet.launching) return;
    const elapsed = Math.round((ctx.clock.now() - started) / 1000);
    if (elapsed >= options.timeoutSeconds) {
      throw checkFailed(`${color}: the group's instances were not in service within ${options.timeoutSeconds}s (${fleet.inService.length} in service, ${fleet.launching} launching)`);
    }
    progress(`${color}: waiting for the group's instances to be in service (${fleet.inService.length} in service, ${fleet.launching} launching)`, `(${elapsed}s)`);
    await ctx.clock.sleep(options.pollSeconds * 1000);
  }
}

/**
 * CodeDeploy's success says nothing of the load balancer (the groups deploy without traffic
 * control). A target that failed its health checks before the deployment (the first release, on a
 * fleet that had no app) turns healthy only after HealthyThresholdCount passing checks
 * (elasticloadbalancing/latest/application/target-group-health-checks.html): waits for what
 * `verify` requires of the targets, up to the deploy timeout, so that the job's next step can verify.
 */
async function waitForHealthyTargets(ctx: ReleaseContext, idle: Color, options: DeployOptions) {
  const started = ctx.clock.now();
  for (;;) {
    const health = await targetHealth(ctx, idle);
    const problems = targetProblems(health, 1);
    if (!problems.length) return;
    const elapsed = Math.round((ctx.clock.now() - started) / 1000);
    if (elapsed >= options.timeoutSeconds) {
      throw checkFailed([`${idle} targets did not pass their health checks within ${options.timeoutSeconds}s of the deployment:`, ...problems].join("\n  "));
    }
    ctx.log(`${idle}: waiting for the targets to pass their health checks (${health.summary}) (${elapsed}s)`);
    await ctx.clock.sleep(options.pollSeconds * 1000);
  }
}

/**
 * The color groups deploy with CodeDeployDefault.AllAtOnce, whose minimum healthy hosts is one
 * instance: CodeDeploy calls the deployment Succeeded as soon as one instance succeeded. A color
 * with some instances on the old release (or none) must not go on to verify, so every instance
 * target has to have succeeded.
 */
async function requireEveryInstanceSucceeded(ctx: ReleaseContext, deployment: DeploymentInfo, idle: Color) {
  const targets = await deploymentTargets(ctx, deployment.deploymentId!);
  const notSucceeded = targets.filter((t) => t.instanceTarget?.status !== "Succeeded");
  const o = deployment.deploymentOverview ?? {};
  if (!notSucceeded.length && !o.Failed && !o.Skipped && targets.length) return;
  throw checkFailed(
    [
      `deployment ${deployment.deploymentId} to ${idle} ended Succeeded, but not on every instance ` +
        `(${targets.length - notSucceeded.length} of ${targets.length} succeeded, overview failed ${o.Failed ?? 0}, skipped ${o.Skipped ?? 0})`,
      ...(targets.length ? instanceProblemLines(notSucceeded) : ["no instance targets: the group has no instances"]),
    ].join("\n  "),
  );
}

/**
 * CodeDeploy's own deployments: of the group's last successful revision to instances the Auto
 * Scaling group launches (creator `autoscaling`), and the follow-up that brings instances launched
 * during a deployment up to date (`CodeDeployAutoUpdate`). They end by themselves within minutes
 * (codedeploy/latest/userguide/integrations-aws-auto-scaling.html).
 */
const AUTOMATIC_CREATORS = new Set(["autoscaling", "CodeDeployAutoUpdate"]);

/** What holds the idle group back from a new deployment of `object`, if anything; and a deployment of it to reuse. */
type GroupState = { reuse: string } | { wait: Waiting } | { free: true };
/** Something running on the idle group that a deployment must not overlap. */
type Waiting = { what: string; status: string; detail: string };

/**
 * The deployment of `object` to the idle color: one already running or done is reused; otherwise a
 * new one once the group is free. Waits (with progress, up to the deploy timeout) while the
 * group's instance refresh or CodeDeploy's own deployments run; refuses (exit 3) while someone
 * else's deployment of another revision runs there.
 */
async function existingOrNewDeployment(ctx: ReleaseContext, idle: Color, object: ObjectRevision, options: DeployOptions): Promise<string> {
  const started = ctx.clock.now();
  const progress = changedOrEveryMinute(ctx);
  for (;;) {
    const state = await idleGroupState(ctx, idle, object);
    if ("reuse" in state) return state.reuse;
    let wait: Waiting;
    if ("free" in state) {
      const created = await createUnlessBusy(ctx, idle, object, options.description);
      if ("deploymentId" in created) {
        ctx.log(`${idle}: created deployment ${created.deploymentId} of ${formatRevision(object)} in ${ctx.outputs[idle].deploymentGroup}`);
        return created.deploymentId;
      }
      wait = { what: `deployment group ${ctx.outputs[idle].deploymentGroup}`, status: "busy", detail: `(${created.busy})` };
    } else {
      wait = state.wait;
    }
    const { what, status, detail } = wait;
    const elapsed = Math.round((ctx.clock.now() - started) / 1000);
    if (elapsed >= options.timeoutSeconds) {
      throw checkFailed(`${idle}: ${what} still ${status} after ${options.timeoutSeconds}s; deploy once it has ended (\`npm run release -- deploy\` again)`);
    }
    progress(`${idle}: ${what} ${status} ${detail}; waiting before deploying`, `(${elapsed}s)`);
    await ctx.clock.sleep(options.pollSeconds * 1000);
  }
}

async function idleGroupState(ctx: ReleaseContext, idle: Color, object: ObjectRevision): Promise<GroupState> {
  const refresh = await runningInstanceRefresh(ctx, idle);
  if (refresh) {
    const toUpdate = refresh.InstancesToUpdate;
    return {
      wait: {
        what: `instance refresh ${refresh.InstanceRefreshId ?? "?"}`,
        status: refresh.Status ?? "?",
        detail: `(${refresh.PercentageComplete ?? 0}% done, ${toUpdate ?? "?"} instance${toUpdate === 1 ? "" : "s"} to update)`,
      },
    };
  }
  const { lastAttempted } = await groupDeployments(ctx, idle);
  if (!lastAttempted?.deploymentId || !(isActive(lastAttempted.status) || lastAttempted.status === "Succeeded")) return { free: true };
  const previous = await getDeployment(ctx, lastAttempted.deploymentId);
  if (sameObject(revisionOf(previous), object)) {
    ctx.log(`${idle}: deployment ${lastAttempted.deploymentId} of ${formatRevision(object)} is ${lastAttempted.status}; not starting another`);
    return { reuse: lastAttempted.deploymentId };
  }
  if (!isActive(previous.status)) return { free: true };
  if (AUTOMATIC_CREATORS.has(previous.creator ?? "")) {
    return { wait: { what: `CodeDeploy's automatic deployment ${previous.deploymentId} (${previous.creator})`, status: previous.status ?? "?", detail: "on the instances the group launched" } };
  }
  const theirs = revisionOf(previous);
  throw refused(
    `${idle} deployment group is busy with ${lastAttempted.deploymentId} ` +
      `(${theirs ? formatRevision(theirs) : "another revision"}, ${previous.status}); ` +
      "wait for it or stop it in CodeDeploy, then re-run",
  );
}

/**
 * CreateDeployment, or CodeDeploy's reason when it refuses because the group has an active
 * deployment (DeploymentLimitExceededException, codedeploy/latest/APIReference/API_CreateDeployment.html):
 * one of its own may have started since the group was read. The caller waits and reads the group again.
 */
async function createUnlessBusy(ctx: ReleaseContext, idle: Color, object: ObjectRevision, description: string): Promise<{ deploymentId: string } | { busy: string }> {
  try {
    return { deploymentId: await createDeployment(ctx, idle, object, description) };
  } catch (error) {
    const { name, message } = error as { name?: string; message?: string };
    if (name === "DeploymentLimitExceededException") return { busy: message ?? name };
    throw error;
  }
}

function progressLine(deployment: DeploymentInfo): string {
  const o = deployment.deploymentOverview ?? {};
  return (
    `${deployment.deploymentId}: ${deployment.status} — instances pending ${o.Pending ?? 0}, ` +
    `in progress ${o.InProgress ?? 0}, succeeded ${o.Succeeded ?? 0}, failed ${o.Failed ?? 0}, skipped ${o.Skipped ?? 0}`
  );
}

/** Prints a progress line when it differs from the last one printed, or a minute after that: polls mostly repeat themselves. */
function changedOrEveryMinute(ctx: ReleaseContext): (line: string, suffix: string) => void {
  let lastLine = "";
  let lastLogged = 0;
  return (line, suffix) => {
    if (line === lastLine && ctx.clock.now() - lastLogged < 60_000) return;
    ctx.log(`${line} ${suffix}`);
    lastLine = line;
    lastLogged = ctx.clock.now();
  };
}

/** Polls until the deployment ends, printing progress whenever it changes (and once a minute). */
async function waitForDeployment(ctx: ReleaseContext, deploymentId: string, options: DeployOptions) {
  const started = ctx.clock.now();
  const progress = changedOrEveryMinute(ctx);
  for (;;) {
    const deployment = await getDeployment(ctx, deploymentId);
    progress(progressLine(deployment), `(${Math.round((ctx.clock.now() - started) / 1000)}s)`);
    if (!isActive(deployment.status)) return deployment;
    if (ctx.clock.now() - started >= options.timeoutSeconds * 1000) {
      throw checkFailed(
        `deployment ${deploymentId} still ${deployment.status} after ${options.timeoutSeconds}s; ` +
          "re-run deploy with the same revision to keep waiting on it",
      );
    }
    await ctx.clock.sleep(options.pollSeconds * 1000);
  }
}
