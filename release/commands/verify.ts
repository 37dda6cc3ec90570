import { otherColor, soleColor, formatWeights } from "../colors";
import type { ReleaseContext } from "../context";
import { checkFailed, refused } from "../errors";
import { groupDeployments } from "../aws/deployments";
import { readBothListeners } from "../aws/listeners";
import { recordVerification } from "../aws/release-tags";
import { targetHealth, unhealthyTargetLines } from "../aws/target-health";
import { pointTestListenerAt } from "../test-listener";

export interface VerifyOptions {
  /** The release the idle color must serve: equal to /version's `version` or `commit`. */
  version: string;
}

/**
 * Proves the idle color is ready for traffic and records that on its target group (the record
 * `switch` requires): its last deployment succeeded, every target is healthy, and through the
 * test listener `/health/deep` answers 200 and every `/version` answer is the expected release.
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

  await checkHealthEndpoint(ctx);
  // Enough requests that the ALB's round robin reaches every target at least once in practice.
  await checkServedVersion(ctx, options.version, Math.max(3, health.targets.length * 2));

  await recordVerification(ctx, idle, {
    version: options.version,
    deploymentId: lastSuccessful.deploymentId,
    at: new Date(ctx.clock.now()).toISOString(),
  });
  ctx.log(`${idle} verified for ${options.version} (deployment ${lastSuccessful.deploymentId}); next: switch`);
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
