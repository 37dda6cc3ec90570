import { COLORS, allOn, formatWeights, otherColor, soleColor, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { refused } from "../errors";
import { readBothListeners, setListenerWeights } from "../aws/listeners";
import { readReleaseTags, type ReleaseTags } from "../aws/release-tags";
import { targetHealth, targetProblems, type ColorHealth } from "../aws/target-health";
import { ensureRollbackCapacity, releaseHolds, type CapacityOptions } from "../capacity";
import { pointTestListenerAt } from "../test-listener";
import { verifiedState } from "../verification";

export interface RollbackOptions extends CapacityOptions {
  /** Roll back to this color instead of the one recorded by the last switch. */
  to?: Color;
  /** Skip the safety checks on the color rolled back to, and do not wait for its capacity. */
  force: boolean;
}

/**
 * Puts all production traffic back on the color that was live before the last switch, in one
 * ModifyListener call. The old color is still running the previous release (ping-pong fleets),
 * and its capacity was held through the watch (capacity.ts), so this usually takes seconds. If it
 * has fewer ready instances than the color losing the traffic has in service (its hold ended), it
 * is scaled first and the rollback waits, saying so. Refuses when that color was redeployed since
 * (the Auto Scaling group's own deployments of the same object do not count) or has an unhealthy
 * target, because then "back" would not be the previous release; --force overrides in an emergency.
 */
export async function rollback(ctx: ReleaseContext, options: RollbackOptions): Promise<void> {
  const { production, test } = await readBothListeners(ctx);
  const tags = await readReleaseTags(ctx);
  const to = options.to ?? tags.rollbackColor;
  if (!to) throw refused("no switch is recorded on the production listener: there is no previous color to roll back to");

  if (soleColor(production) === to) {
    ctx.log(`${to} already takes all production traffic; nothing to roll back`);
  } else {
    const health = await targetHealth(ctx, to);
    if (!options.force) await checkRollbackTarget(ctx, tags, to, health);
    await ensureRollbackCapacity(ctx, to, health, options);
    await setListenerWeights(ctx, ctx.outputs.productionListenerArn, { weights: production }, allOn(to));
    ctx.log(`production listener: ${formatWeights(production)} -> ${formatWeights(allOn(to))}: rolled back to ${to}`);
    // The release is over: the color rolled back to is live and sized by target tracking again,
    // the one rolled back from needs no capacity kept for it.
    await releaseHolds(ctx, COLORS);
  }
  // The color rolled back from becomes the idle one: testers can reach it to investigate.
  await pointTestListenerAt(ctx, test, otherColor(to));
}

async function checkRollbackTarget(ctx: ReleaseContext, tags: ReleaseTags, to: Color, health: ColorHealth) {
  const { reason } = await verifiedState(ctx, tags, to);
  if (reason) {
    throw refused(
      `${to} no longer holds a verified release (${reason}); rolling back would serve ` +
        "an unverified release. Deploy and verify the previous release there, or re-run with --force",
    );
  }
  const unhealthy = targetProblems(health, 0);
  if (unhealthy.length) {
    throw refused([`${to} is not healthy (${health.summary}); re-run with --force to roll back anyway:`, ...unhealthy].join("\n  "));
  }
}
