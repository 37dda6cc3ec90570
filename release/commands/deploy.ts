import type { DeploymentInfo } from "@aws-sdk/client-codedeploy";
import { otherColor, soleColor, formatWeights, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { checkFailed, refused } from "../errors";
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
  type S3Revision,
} from "../aws/deployments";
import { readListenerWeights } from "../aws/listeners";

export interface DeployOptions {
  revision: S3Revision;
  description: string;
  timeoutSeconds: number;
  pollSeconds: number;
}

const sameRevision = (a: S3Revision | undefined, b: S3Revision) => a?.bucket === b.bucket && a.key === b.key;

/**
 * Deploys a revision to the idle color's deployment group and waits for the outcome. Re-running
 * it is safe: a deployment of the same revision that is still running is waited on, not
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
  const deploymentId = await existingOrNewDeployment(ctx, idle, options);
  const outcome = await waitForDeployment(ctx, deploymentId, options);
  if (outcome.status !== "Succeeded") {
    const details = await failureDetails(ctx, outcome);
    throw checkFailed(
      [`deployment ${deploymentId} to ${idle} ended ${outcome.status}`, ...details].join("\n  "),
    );
  }
  await requireEveryInstanceSucceeded(ctx, outcome, idle);
  ctx.log(`deployment ${deploymentId} to ${idle} succeeded on every instance; next: verify`);
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

async function existingOrNewDeployment(ctx: ReleaseContext, idle: Color, options: DeployOptions): Promise<string> {
  const { lastAttempted } = await groupDeployments(ctx, idle);
  const wanted = formatRevision(options.revision);
  if (lastAttempted?.deploymentId && (isActive(lastAttempted.status) || lastAttempted.status === "Succeeded")) {
    const previous = await getDeployment(ctx, lastAttempted.deploymentId);
    const same = sameRevision(revisionOf(previous), options.revision);
    if (same) {
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
  const deploymentId = await createDeployment(ctx, idle, options.revision, options.description);
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
