import { allOn, formatWeights, otherColor, soleColor, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { refused } from "../errors";
import { groupDeployments } from "../aws/deployments";
import { readBothListeners, setListenerWeights } from "../aws/listeners";
import { readReleaseTags } from "../aws/release-tags";
import { targetHealth, unhealthyTargetLines } from "../aws/target-health";
import { pointTestListenerAt } from "../test-listener";

export interface RollbackOptions {
  /** Roll back to this color instead of the one recorded by the last switch. */
  to?: Color;
  /** Skip the safety checks on the color rolled back to (it is healthy, not redeployed since). */
  force: boolean;
}

/**
 * Puts all production traffic back on the color that was live before the last switch, in one
 * ModifyListener call. The old color is still running the previous release (ping-pong fleets),
 * so this takes seconds. Refuses when that color was redeployed since or is unhealthy, because
 * then "back" would not be the previous release; --force overrides in an emergency.
 */
export async function rollback(ctx: ReleaseContext, options: RollbackOptions): Promise<void> {
  const { production, test } = await readBothListeners(ctx);
  const tags = await readReleaseTags(ctx);
  const to = options.to ?? tags.rollbackColor;
  if (!to) throw refused("no switch is recorded on the production listener: there is no previous color to roll back to");

  if (soleColor(production) === to) {
    ctx.log(`${to} already takes all production traffic; nothing to roll back`);
  } else {
    if (!options.force) await checkRollbackTarget(ctx, to, tags.verification[to]?.deploymentId);
    await setListenerWeights(ctx, ctx.outputs.productionListenerArn, production, allOn(to));
    ctx.log(`production listener: ${formatWeights(production)} -> ${formatWeights(allOn(to))}: rolled back to ${to}`);
  }
  // The color rolled back from becomes the idle one: testers can reach it to investigate.
  await pointTestListenerAt(ctx, test, otherColor(to));
}

async function checkRollbackTarget(ctx: ReleaseContext, to: Color, verifiedDeployment: string | undefined) {
  const { lastAttempted } = await groupDeployments(ctx, to);
  if (!verifiedDeployment || lastAttempted?.deploymentId !== verifiedDeployment) {
    throw refused(
      `${to} no longer holds a verified release (verified deployment ${verifiedDeployment ?? "none"}, ` +
        `latest ${lastAttempted?.deploymentId ?? "none"} ${lastAttempted?.status ?? ""}); rolling back would serve ` +
        "an unverified release. Deploy and verify the previous release there, or re-run with --force",
    );
  }
  const health = await targetHealth(ctx, to);
  if (!health.healthy) {
    throw refused(
      [`${to} is not healthy (${health.summary}); re-run with --force to roll back anyway:`, ...unhealthyTargetLines(health)].join("\n  "),
    );
  }
}
