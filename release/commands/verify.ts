import { otherColor, soleColor, formatWeights, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { checkFailed, refused } from "../errors";
import { deploymentTargetIds, getDeployment, groupDeployments, recentGroupDeploymentIds, sameS3Location } from "../aws/deployments";
import { readBothListeners } from "../aws/listeners";
import { recordVerification } from "../aws/release-tags";
import { targetHealth, unhealthyTargetLines, type ColorHealth } from "../aws/target-health";
import { pointTestListenerAt } from "../test-listener";

export interface VerifyOptions {
  /** The release the idle color must serve: equal to /version's `version` or `commit`. */
  version: string;
}

/**
 * Proves the idle color is ready for traffic and records that on its target group (the record
 * `switch` requires): its last deployment succeeded, every target is healthy and is an instance on
 * which that deployment, or an earlier one of the same revision, succeeded, and through the test listener `/health/deep` answers 200 and
 * `/version` serves the expected release.
 *
 * The per-instance proof comes from CodeDeploy, not from sampling through the ALB (with
 * least_outstanding_requests every sample may reach the same target): an instance is a Succeeded
 * target only if its ValidateService hook found each process serving the bundle's version.
 */
export async function verify(ctx: ReleaseContext, options: VerifyOptions): Promise<void> {
  const { production, test } = await readBothListeners(ctx);
  const live = soleColor(production);
  if (!live) throw refused(`production traffic is split (${formatWeights(production)}); finish the switch or roll back first`);
  const idle = otherColor(live);
  await pointTestListenerAt(ctx, test, idle);

  const { lastAttempted, lastSuccessful } = await groupDeployments(ctx, idle);
  if (!lastSuccessful?.deploymentId || lastAttempted?.deploymentId !== lastSuccessful.deploymentId) {
    throw checkFailed(
      `${idle} has no successful latest deployment (last attempted ${lastAttempted?.deploymentId ?? "none"}, ` +
        `${lastAttempted?.status ?? "-"}); run deploy first`,
    );
  }

  const health = await targetHealth(ctx, idle);
  if (!health.healthy) {
    throw checkFailed([`${idle} targets not all healthy (${health.summary}):`, ...unhealthyTargetLines(health)].join("\n  "));
  }
  ctx.log(`${idle}: targets ${health.summary}`);
  await requireEveryTargetDeployed(ctx, idle, health, lastSuccessful.deploymentId);

  // The path users will take: listener, target group, nginx, app. One sample per target is no
  // per-instance proof (the ALB picks the targets) but catches a wrong bundle or a broken route.
  await checkHealthEndpoint(ctx);
  await checkServedVersion(ctx, options.version, Math.max(3, health.targets.length));

  await recordVerification(ctx, idle, {
    version: options.version,
    deploymentId: lastSuccessful.deploymentId,
    at: new Date(ctx.clock.now()).toISOString(),
  });
  ctx.log(`${idle} verified for ${options.version} (deployment ${lastSuccessful.deploymentId}); next: switch`);
}

/** How many of the group's deployments verify reads back through, at most, for earlier ones of the same revision. */
export const MAX_LOOKBACK = 20;

/**
 * Every instance registered in the idle target group must be a Succeeded target of its latest
 * deployment or of an earlier deployment of the same revision. One that is not (launched after it,
 * skipped, or failed under AllAtOnce) may serve another release, and no /version sample through
 * the ALB is sure to reach it.
 *
 * Earlier deployments count because the Auto Scaling group's launches make CodeDeploy deploy the
 * group's last successful revision to the new instance alone (creator "autoscaling"), and that
 * deployment becomes the latest. The walk goes back from the latest, newest first, and stops at the
 * first deployment of another revision: an instance it touched may no longer run ours. The newest
 * deployment that targeted an instance decides: Succeeded proves it, any other status does not.
 */
async function requireEveryTargetDeployed(ctx: ReleaseContext, idle: Color, health: ColorHealth, latestId: string) {
  const undecided = new Set(health.targets.map((t) => t.instanceId));
  const provenBy = new Map<string, string>();
  const used: string[] = [];
  for await (const deployment of sameRevisionDeployments(ctx, idle, latestId)) {
    const all = await deploymentTargetIds(ctx, deployment.id);
    const succeeded = new Set(await deploymentTargetIds(ctx, deployment.id, ["Succeeded"]));
    let proved = 0;
    for (const instanceId of all) {
      if (!undecided.delete(instanceId)) continue;
      if (succeeded.has(instanceId)) {
        provenBy.set(instanceId, deployment.id);
        proved++;
      }
    }
    if (proved) used.push(`${deployment.label} for ${proved}`);
    // Before the generator fetches anything more: usually the latest deployment proves them all.
    if (!undecided.size) break;
  }
  const unproven = health.targets.filter((t) => !provenBy.has(t.instanceId));
  if (unproven.length) {
    throw checkFailed(
      [
        `${idle} targets not proven by deployment ${latestId} or an earlier deployment of its revision ` +
          `(not a Succeeded instance of the newest one that targeted them; redeploy the whole group, see the runbook):`,
        ...unproven.map((t) => t.id),
      ].join("\n  "),
    );
  }
  ctx.log(`${idle}: every target is a Succeeded instance of ${used.join(", ")}, all of one revision (their ValidateService checked /version)`);
}

/**
 * The latest deployment, then the group's earlier ones of the same S3 revision, newest first,
 * fetched only as far as the caller reads. Stops at the first deployment of another revision or
 * after MAX_LOOKBACK deployments; if ListDeployments does not show the latest, only it is given.
 */
async function* sameRevisionDeployments(ctx: ReleaseContext, color: Color, latestId: string) {
  yield { id: latestId, label: latestId };
  const ids = await recentGroupDeploymentIds(ctx, color, MAX_LOOKBACK);
  const at = ids.indexOf(latestId);
  if (at < 0) return;
  const latest = await getDeployment(ctx, latestId);
  for (const id of ids.slice(at + 1)) {
    const deployment = await getDeployment(ctx, id);
    if (!sameS3Location(deployment, latest)) return;
    yield { id, label: `${id}${deployment.creator ? ` (${deployment.creator})` : ""}` };
  }
}

async function checkHealthEndpoint(ctx: ReleaseContext) {
  const url = `${ctx.outputs.testListenerUrl}/health/deep`;
  const { status, body } = await ctx.httpGet(url);
  if (status !== 200) throw checkFailed(`GET ${url} answered ${status}: ${body.slice(0, 500)}`);
  ctx.log(`GET ${url} -> 200`);
}

async function checkServedVersion(ctx: ReleaseContext, expected: string, requests: number) {
  const url = `${ctx.outputs.testListenerUrl}/version`;
  for (let i = 0; i < requests; i++) {
    const { status, body } = await ctx.httpGet(url);
    if (status !== 200) throw checkFailed(`GET ${url} answered ${status}: ${body.slice(0, 500)}`);
    const served = parseVersion(body);
    if (served?.version !== expected && served?.commit !== expected) {
      throw checkFailed(`GET ${url} serves ${body.trim().slice(0, 200)}, expected version ${expected}`);
    }
  }
  ctx.log(`GET ${url} -> ${expected} (${requests} requests)`);
}

function parseVersion(body: string): { version?: unknown; commit?: unknown } | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === "object" && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}
