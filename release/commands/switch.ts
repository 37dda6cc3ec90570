import { allOn, formatWeights, otherColor, sameWeights, share, soleColor, splitTowards, type Color, type Weights } from "../colors";
import type { ReleaseContext } from "../context";
import { ExitCode, ReleaseError, checkFailed, refused } from "../errors";
import { readBothListeners, readListenerWeights, requireListenerWeights, setListenerWeights } from "../aws/listeners";
import { readReleaseTags, recordRollbackColor } from "../aws/release-tags";
import { trafficCheckProblems, watchTraffic } from "../release-checks";
import { pointTestListenerAt } from "../test-listener";
import { notVerifiedReason } from "../verification";

export interface SwitchOptions {
  version: string;
  /** Percentages of production traffic on the new color, ascending, e.g. [10, 50, 100]. */
  steps: number[];
  bakeSeconds: number;
  checkIntervalSeconds: number;
}

/**
 * Moves production traffic to the verified idle color step by step. Before each step the rollback
 * alarms and the new color's targets must be clean, and again during each step's bake; on any
 * problem all traffic goes back to the color that was live before the switch and the run fails.
 *
 * Safe to re-run: a switch that crashed half-way is resumed from the weights the listener holds
 * (the color it started from is recorded on the listener before the first step), one that
 * completed only makes sure the test listener points at the new idle color.
 */
export async function switchTraffic(ctx: ReleaseContext, options: SwitchOptions): Promise<void> {
  const { production, test } = await readBothListeners(ctx);
  const tags = await readReleaseTags(ctx);
  const live = soleColor(production);

  if (live && !(await notVerifiedReason(ctx, tags, live, options.version))) {
    ctx.log(`${live} already takes all production traffic with ${options.version}; nothing to switch`);
    await pointTestListenerAt(ctx, test, otherColor(live));
    return;
  }
  if (!live && !tags.rollbackColor) {
    throw refused(
      `production traffic is split (${formatWeights(production)}) but no switch is recorded on the listener; ` +
        "put it back with the console or `rollback --to <color> --force`, then re-run",
    );
  }
  const from: Color = live ?? tags.rollbackColor!;
  const to = otherColor(from);
  const notVerified = await notVerifiedReason(ctx, tags, to, options.version);
  if (notVerified) throw refused(`${to} is not verified for ${options.version}: ${notVerified}. Run verify first.`);

  if (live) await recordRollbackColor(ctx, from);
  else ctx.log(`resuming the switch ${from} -> ${to} at ${formatWeights(production)}`);

  let current = production;
  try {
    for (const percent of options.steps.filter((p) => p > share(production, to))) {
      await failOnProblems(`before moving ${percent}% to ${to}`, await trafficCheckProblems(ctx, to));
      const next = splitTowards(to, percent);
      await setListenerWeights(ctx, ctx.outputs.productionListenerArn, current, next);
      current = next;
      ctx.log(`production listener: ${formatWeights(current)} (${percent}% on ${to}); baking ${options.bakeSeconds}s`);
      const problems = await watchTraffic(ctx, to, options.bakeSeconds, options.checkIntervalSeconds);
      // A bake takes minutes: an operator may have rolled back meanwhile. Their change wins, and
      // this run must not report the step as baked (exit 3, listener left as found).
      await requireListenerWeights(ctx, ctx.outputs.productionListenerArn, current);
      await failOnProblems(`while ${percent}% was on ${to}`, problems);
      ctx.log(`${percent}% on ${to}: rollback alarms OK and every ${to} target healthy`);
    }
    // Last look before reporting success and moving the test listener to the old color, which
    // after someone else's rollback would be the live one.
    await requireListenerWeights(ctx, ctx.outputs.productionListenerArn, current);
  } catch (error) {
    // A concurrent change is someone else's to finish; anything else (a failed check, an AWS
    // error mid-way) means traffic must not stay on a color we can no longer vouch for.
    const concurrentChange = error instanceof ReleaseError && error.exitCode === ExitCode.refused;
    if (!concurrentChange) await restore(ctx, current, from, error as Error);
    throw error;
  }

  if (soleColor(current) === to) {
    await pointTestListenerAt(ctx, test, from);
    ctx.log(`switch complete: ${to} is live with ${options.version}, ${from} is idle and kept warm for rollback`);
  } else {
    ctx.log(`canary holds at ${formatWeights(current)}; run switch again with further steps to finish, or rollback`);
  }
}

async function failOnProblems(when: string, problems: string[]) {
  if (problems.length) throw checkFailed([`switch aborted: ${when}:`, ...problems].join("\n  "));
}

/**
 * Puts all traffic back on `from`; a failure here is the one case that needs a human. An
 * operator who already rolled back (all traffic on `from`) did the restore: that is not a failure.
 */
async function restore(ctx: ReleaseContext, current: Weights, from: Color, cause: Error) {
  if (sameWeights(current, allOn(from))) return; // this run moved no traffic
  try {
    const [now] = await readListenerWeights(ctx, [ctx.outputs.productionListenerArn]);
    if (sameWeights(now!, allOn(from))) {
      ctx.log(`production listener already has all traffic on ${from} (rolled back by someone else); nothing to restore`);
      return;
    }
    await setListenerWeights(ctx, ctx.outputs.productionListenerArn, current, allOn(from));
  } catch (restoreError) {
    throw new ReleaseError(
      `${cause.message}\nAND restoring all traffic to ${from} failed: ${(restoreError as Error).message}\n` +
        `production listener may still be at ${formatWeights(current)}: run \`npm run release -- rollback\` now`,
      ExitCode.manualInterventionRequired,
    );
  }
  ctx.log(`restored production listener to ${formatWeights(allOn(from))}: all traffic on ${from} again`);
}
