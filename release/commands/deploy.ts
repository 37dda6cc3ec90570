import type { DeploymentInfo } from "@aws-sdk/client-codedeploy";
import { otherColor, soleColor, formatWeights, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { checkFailed, refused } from "../errors";
import { runningInstanceRefresh } from "../aws/auto-scaling";
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
 * first while the idle color's instance refresh runs: a refresh terminates instances, and an
 * instance terminated during a deployment fails it (codedeploy/latest/userguide/troubleshooting-auto-scaling.html).
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
  await waitForInstanceRefresh(ctx, idle, options);
  const deploymentId = await existingOrNewDeployment(ctx, idle, object, options);
  const outcome = await waitForDeployment(ctx, deploymentId, options);
  if (outcome.status !== "Succeeded") {
    const details = await failureDetails(ctx, outcome);
    throw checkFailed(
      [`deployment ${deploymentId} to ${idle} ended ${outcome.status}`, ...details].join("\n  "),
    );
  }
  await requireEveryInstanceSucceeded(ctx, outcome, idle);
  ctx.log(`deployment ${deploymentId} to ${idle} succeeded on every instance`);
  await waitForHealthyTargets(ctx, idle, options);
  ctx.log(`${idle}: targets pass their health checks; next: verify`);
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

/** Waits while the color's Auto Scaling group runs an instance refresh, printing its progress; exit 1 after the deploy timeout. */
async function waitForInstanceRefresh(ctx: ReleaseContext, color: Color, options: DeployOptions) {
  const started = ctx.clock.now();
  for (;;) {
    const refresh = await runningInstanceRefresh(ctx, color);
    if (!refresh) return;
    const elapsed = Math.round((ctx.clock.now() - started) / 1000);
    const what = `${color}: instance refresh ${refresh.InstanceRefreshId ?? "?"}`;
    if (elapsed >= options.timeoutSeconds) {
      throw checkFailed(`${what} still ${refresh.Status} after ${options.timeoutSeconds}s; deploy once it has ended (\`npm run release -- deploy\` again)`);
    }
    ctx.log(
      `${what} ${refresh.Status} (${refresh.PercentageComplete ?? 0}% done, ${refresh.InstancesToUpdate ?? "?"} instance` +
        `${refresh.InstancesToUpdate === 1 ? "" : "s"} to update); waiting before deploying (${elapsed}s)`,
    );
    await ctx.clock.sleep(options.pollSeconds * 1000);
  }
}

async function existingOrNewDeployment(ctx: ReleaseContext, idle: Color, object: ObjectRevision, options: DeployOptions): Promise<string> {
  const { lastAttempted } = await groupDeployments(ctx, idle);
  const wanted = formatRevision(object);
  if (lastAttempted?.deploymentId && (isActive(lastAttempted.status) || lastAttempted.status === "Succeeded")) {
    const previous = await getDeployment(ctx, lastAttempted.deploymentId);
    if (sameObject(revisionOf(previous), object)) {
      ctx.log(`${idle}: deployment ${lastAttempted.deploymentId} of ${wanted} is ${lastAttempted.status}; not starting another`);
      return lastAttempted.deploymentId;
    }
    if (isActive(lastAttempted.status)) {
      const theirs = revisionOf(previous);
      throw refused(
        `${idle} deployment group is busy with ${lastAttempted.deploymentId} ` +
          `(${theirs ? formatRevision(theirs) : "another revision"}, ${lastAttempted.status}); ` +
          "wait for it or stop it in CodeDeploy, then re-run",
      );
    }
  }
  const deploymentId = await createDeployment(ctx, idle, object, options.description);
  ctx.log(`${idle}: created deployment ${deploymentId} of ${wanted} in ${ctx.outputs[idle].deploymentGroup}`);
  return deploymentId;
}

function progressLine(deployment: DeploymentInfo): string {
  const o = deployment.deploymentOverview ?? {};
  return (
    `${deployment.deploymentId}: ${deployment.status} — instances pending ${o.Pending ?? 0}, ` +
    `in progress ${o.InProgress ?? 0}, succeeded ${o.Succeeded ?? 0}, failed ${o.Failed ?? 0}, skipped ${o.Skipped ?? 0}`
  );
}

/** Polls until the deployment ends, printing progress whenever it changes (and once a minute). */
async function waitForDeployment(ctx: ReleaseContext, deploymentId: string, options: DeployOptions) {
  const started = ctx.clock.now();
  let lastLine = "";
  let lastLogged = 0;
  for (;;) {
    const deployment = await getDeployment(ctx, deploymentId);
    const line = progressLine(deployment);
    if (line !== lastLine || ctx.clock.now() - lastLogged >= 60_000) {
      ctx.log(`${line} (${Math.round((ctx.clock.now() - started) / 1000)}s)`);
      lastLine = line;
      lastLogged = ctx.clock.now();
    }
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
