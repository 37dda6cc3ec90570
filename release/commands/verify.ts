import type { DeploymentInfo } from "@aws-sdk/client-codedeploy";
import { otherColor, soleColor, formatWeights, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { checkFailed, refused } from "../errors";
import { formatRevision, getDeployment, groupDeployments, revisionOf } from "../aws/deployments";
import { readBothListeners } from "../aws/listeners";
import { recordVerification } from "../aws/release-tags";
import { notHealthyLines, targetHealth, targetProblems, type ColorHealth } from "../aws/target-health";
import { InstanceProof } from "../instance-proof";
import { pointTestListenerAt } from "../test-listener";

export interface VerifyOptions {
  /** The release the idle color must serve: equal to /version's `version` or `commit`. */
  version: string;
}

/**
 * Proves the idle color is ready for traffic and records that on its target group (the record
 * `switch` requires): its last deployment succeeded and names an exact object (version and ETag),
 * no target is unhealthy and at least one is healthy, every registered target (but those
 * draining) is an instance on which that deployment, or an earlier one of the same object,
 * succeeded, and through the test listener `/health/deep` answers 200 and `/version` serves the
 * expected release.
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

  const latest = await getDeployment(ctx, lastSuccessful.deploymentId);
  const object = revisionOf(latest);
  if (!object?.version || !object.eTag) {
    throw checkFailed(
      `${idle}'s latest deployment ${latest.deploymentId} names no object version and ETag ` +
        `(${object ? formatRevision(object) : "no S3 revision"}): which upload it installed cannot be proven; run deploy again`,
    );
  }

  const health = await targetHealth(ctx, idle);
  const problems = targetProblems(health, 1);
  if (problems.length) throw checkFailed([`${idle} targets not ready (${health.summary}):`, ...problems].join("\n  "));
  ctx.log([`${idle}: targets ${health.summary}`, ...notHealthyLines(health)].join("\n  "));
  await requireEveryTargetDeployed(ctx, idle, health, latest);

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
 * Every instance registered in the idle target group (but those draining out of it) must run the
 * latest deployment's exact object, by CodeDeploy's account (instance-proof.ts). One that does not
 * (launched after it, skipped, or failed under AllAtOnce) may serve another release, and no
 * /version sample through the ALB is sure to reach it.
 */
async function requireEveryTargetDeployed(ctx: ReleaseContext, idle: Color, health: ColorHealth, latest: DeploymentInfo) {
  const targets = health.targets.filter((t) => t.state !== "draining");
  const { provenBy, used } = await new InstanceProof(ctx, idle).prove(latest, targets.map((t) => t.instanceId));
  const unproven = targets.filter((t) => !provenBy.has(t.instanceId));
  if (unproven.length) {
    throw checkFailed(
      [
        `${idle} targets not proven by deployment ${latest.deploymentId} or an earlier deployment of its revision ` +
          `(not a Succeeded instance of the newest one that targeted them; redeploy the whole group, see the runbook):`,
        ...unproven.map((t) => t.id),
      ].join("\n  "),
    );
  }
  ctx.log(`${idle}: every target is a Succeeded instance of ${used.join(", ")}, all of one revision (their ValidateService checked /version)`);
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
