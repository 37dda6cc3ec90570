import { otherColor, soleColor, formatWeights, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { checkFailed, refused } from "../errors";
import { deploymentTargetIds, groupDeployments } from "../aws/deployments";
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
 * which that deployment succeeded, and through the test listener `/health/deep` answers 200 and
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

/**
 * Every instance registered in the idle target group must be a Succeeded target of its latest
 * deployment. One that is not (launched after it, skipped, or failed under AllAtOnce) may serve
 * another release, and no /version sample through the ALB is sure to reach it.
 */
async function requireEveryTargetDeployed(ctx: ReleaseContext, idle: Color, health: ColorHealth, deploymentId: string) {
  const succeeded = new Set(await deploymentTargetIds(ctx, deploymentId, ["Succeeded"]));
  const unproven = health.targets.filter((t) => !succeeded.has(t.instanceId));
  if (unproven.length) {
    throw checkFailed(
      [
        `${idle} targets not proven by deployment ${deploymentId} (not among its Succeeded instances; redeploy the whole group, see the runbook):`,
        ...unproven.map((t) => t.id),
      ].join("\n  "),
    );
  }
  ctx.log(`${idle}: every target is a Succeeded instance of ${deploymentId} (its ValidateService checked /version)`);
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
