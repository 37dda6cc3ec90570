import { formatWeights, otherColor, soleColor, type Color, type Weights } from "../colors";
import type { ReleaseContext } from "../context";
import { ExitCode, ReleaseError, checkFailed, refused } from "../errors";
import { requireTimeToAlarm } from "../aws/alarms";
import { readListenerWeights } from "../aws/listeners";
import { readReleaseTags } from "../aws/release-tags";
import { releaseHolds, type CapacityOptions } from "../capacity";
import { watchTraffic } from "../release-checks";
import { rollback } from "./rollback";

export interface WatchOptions extends CapacityOptions {
  durationSeconds: number;
  checkIntervalSeconds: number;
  /** Roll back on the first problem instead of only reporting it. */
  rollbackOnProblem: boolean;
}

/**
 * After a switch: watches the color that received the release (its alarms and targets) for a
 * while, optionally rolling back. When the live color stayed clean, the color that lost the
 * traffic returns to its configured minimum (its capacity was held for a rollback until now).
 * A canary (a switch whose last step was below 100 %, traffic split on purpose) is watched too: the color the recorded switch moves traffic to is the one on trial,
 * and a rollback puts all traffic back on the color the switch started from. A split with no
 * switch recorded is nobody's release, and watch refuses it.
 */
export async function watch(ctx: ReleaseContext, options: WatchOptions): Promise<void> {
  const [production] = await readListenerWeights(ctx, [ctx.outputs.productionListenerArn]);
  const live = soleColor(production!);
  const watched = live ?? (await canaryColor(ctx, production!));
  const what = live ? "live color" : `canary (${formatWeights(production!)})`;
  await requireTimeToAlarm(ctx, watched, "--duration", options.durationSeconds);
  ctx.log(`watching the ${what} ${watched} for ${options.durationSeconds}s (alarms and target health every ${options.checkIntervalSeconds}s)`);
  // At least one healthy target: the live color is sized by target tracking now, and `initial`
  // or `draining` targets of its scale-outs and scale-ins are not failures.
  const problems = await watchTraffic(ctx, watched, 1, options.durationSeconds, options.checkIntervalSeconds);
  if (!problems.length) {
    ctx.log(
      `${watched} stayed clean for ${options.durationSeconds}s; ` +
        (live ? "release done" : "finish the canary with `switch --steps …,100` or end it with `rollback`"),
    );
    // The color that lost the traffic kept its capacity for a rollback until now.
    if (live) await releaseHolds(ctx, [otherColor(live)]);
    return;
  }
  ctx.log([`problems on the ${what} ${watched}:`, ...problems].join("\n  "));
  if (options.rollbackOnProblem) await rollbackOrNeedHuman(ctx, watched, problems, options);
  throw checkFailed(`watch failed on ${watched}${options.rollbackOnProblem ? "; rolled back" : ""}`);
}

async function canaryColor(ctx: ReleaseContext, production: Weights): Promise<Color> {
  const { rollbackColor } = await readReleaseTags(ctx);
  if (!rollbackColor) {
    throw refused(`production traffic is split (${formatWeights(production)}) but no switch is recorded; finish the switch or roll back first`);
  }
  return otherColor(rollbackColor);
}

/**
 * A rollback that cannot happen (refused, or an AWS error) leaves production traffic on a color
 * that is failing: that needs a human now (exit 4), not a "precondition" exit 3.
 */
async function rollbackOrNeedHuman(ctx: ReleaseContext, live: Color, problems: string[], capacity: CapacityOptions) {
  try {
    await rollback(ctx, { ...capacity, force: false });
  } catch (error) {
    throw new ReleaseError(
      [
        `watch found problems on ${live}, which takes production traffic, AND rolling back failed: ${(error as Error).message}`,
        ...problems,
        `traffic is still on ${live}: investigate now; \`npm run release -- rollback --force\` skips the safety checks`,
      ].join("\n  "),
      ExitCode.manualInterventionRequired,
    );
  }
}
