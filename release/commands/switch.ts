import { allOn, formatWeights, otherColor, sameWeights, share, soleColor, splitTowards, type Color, type Weights } from "../colors";
import type { ReleaseContext } from "../context";
import { ExitCode, ReleaseError, checkFailed, refused } from "../errors";
import type { MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { alarmMemorySeconds, requireTimeToAlarm } from "../aws/alarms";
import { getDeployment } from "../aws/deployments";
import { readBothListeners, readSettled, requireListenerWeights, setListenerWeights, writeListenerWeights, type ListenerState } from "../aws/listeners";
import { readReleaseTags, recordRollbackColor } from "../aws/release-tags";
import { handOffCapacity, releaseHolds, type CapacityOptions } from "../capacity";
import { trafficCheckProblems, watchTraffic } from "../release-checks";
import { pointTestListenerAt } from "../test-listener";
import { verifiedState } from "../verification";

export interface SwitchOptions extends CapacityOptions {
  version: string;
  /** Percentages of production traffic on the new color, ascending, e.g. [10, 50, 100]. */
  steps: number[];
  bakeSeconds: number;
  checkIntervalSeconds: number;
}

/**
 * Moves production traffic to the verified idle color step by step. First the capacity handoff:
 * the idle color is raised to the live color's in-service capacity and must be ready (capacity.ts)
 * before any weight moves. Before each step the rollback alarms and the new color's targets must
 * be clean, and again during each step's bake; on any problem all traffic goes back to the color
 * that was live before the switch and the run fails. The bake must be long enough for the alarms
 * to fire at all (refused otherwise, before anything changes).
 *
 * Safe to re-run: a switch that crashed half-way is resumed from the weights the listener holds
 * (the color it started from is recorded on the listener before the first step), one that
 * completed only makes sure the test listener points at the new idle color.
 */
export async function switchTraffic(ctx: ReleaseContext, options: SwitchOptions): Promise<void> {
  const { production, test } = await readBothListeners(ctx);
  const tags = await readReleaseTags(ctx);
  const live = soleColor(production);

  if (live && (await verifiedState(ctx, tags, live, options.version)).deploymentId) {
    ctx.log(`${live} already takes all production traffic with ${options.version}; nothing to switch`);
    await pointTestListenerAt(ctx, test, otherColor(live));
    await releaseHolds(ctx, [live]);
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
  const alarms = await requireTimeToAlarm(ctx, to, "--bake", options.bakeSeconds);
  const { deploymentId, reason } = await verifiedState(ctx, tags, to, options.version);
  if (!deploymentId) throw refused(`${to} is not verified for ${options.version}: ${reason}. Run verify first.`);
  const verified = await getDeployment(ctx, deploymentId);
  if (live) await waitForAlarmsToJudgeTheRelease(ctx, to, tags.verification[to]?.at, alarms);

  if (!live) ctx.log(`resuming the switch ${from} -> ${to} at ${formatWeights(production)}`);
  let current: ListenerState = { weights: production };
  // The weights of a write that failed: it may have taken effect all the same (a lost answer).
  let attempted = production;
  let held: Awaited<ReturnType<typeof handOffCapacity>>["held"];
  try {
    const handoff = await handOffCapacity(ctx, from, to, verified, options);
    held = handoff.held;
    if (live) await recordRollbackColor(ctx, from);

    for (const percent of options.steps.filter((p) => p > share(production, to))) {
      await failOnProblems(`before moving ${percent}% to ${to}`, await trafficCheckProblems(ctx, to, handoff.required));
      attempted = splitTowards(to, percent);
      current = await setListenerWeights(ctx, ctx.outputs.productionListenerArn, current, attempted);
      ctx.log(`production listener: ${formatWeights(current.weights)} (${percent}% on ${to}); baking ${options.bakeSeconds}s`);
      const problems = await watchTraffic(ctx, to, handoff.required, options.bakeSeconds, options.checkIntervalSeconds);
      // A bake takes minutes: an operator may have rolled back meanwhile. Their change wins, and
      // this run must not report the step as baked (exit 3, listener left as found).
      await requireListenerWeights(ctx, ctx.outputs.productionListenerArn, current);
      await failOnProblems(`while ${percent}% was on ${to}`, problems);
      ctx.log(`${percent}% on ${to}: rollback alarms OK and ${to} has at least ${handoff.required} healthy targets`);
    }
    // Last look before reporting success and moving the test listener to the old color, which
    // after someone else's rollback would be the live one.
    await requireListenerWeights(ctx, ctx.outputs.productionListenerArn, current);
  } catch (error) {
    // A concurrent change is someone else's to finish; anything else (a failed check, an AWS
    // error mid-way) means traffic must not stay on a color we can no longer vouch for.
    if (error instanceof ReleaseError && error.exitCode === ExitCode.refused) throw error;
    const e = error as Error;
    const message = error instanceof ReleaseError ? e.message : `${e.name}: ${e.message}`;
    const where = await restore(ctx, current, attempted, from, message);
    await releaseHolds(ctx, [from, to]);
    throw new ReleaseError(`${message}\n${where}`, error instanceof ReleaseError ? error.exitCode : ExitCode.checkFailed);
  }

  if (soleColor(current.weights) === to) {
    await pointTestListenerAt(ctx, test, from);
    await releaseHolds(ctx, [to]);
    ctx.log(
      `${held.color} keeps ${held.size} instances (min held) until watch ends, at the latest ${held.until.toISOString()}, ` +
        "so a rollback lands on a fleet sized for production",
    );
    ctx.log(`switch complete: ${to} is live with ${options.version}, ${from} is idle and kept warm for rollback`);
  } else {
    ctx.log(`canary holds at ${formatWeights(current.weights)}; run switch again with further steps to finish, or rollback`);
  }
}

/**
 * Before the first step, the new color's alarms must judge only minutes in which it ran the
 * verified release: until then they may still be in (or turn to) ALARM for the time before, as
 * on a first release, when the color had no app minutes ago, or be OK for minutes the release
 * did not run in. Waits out the rest of the slowest alarm's memory since the verification.
 */
async function waitForAlarmsToJudgeTheRelease(ctx: ReleaseContext, to: Color, verifiedAt: string | undefined, alarms: MetricAlarm[]) {
  const since = Date.parse(verifiedAt ?? "");
  if (Number.isNaN(since) || !alarms.length) return;
  const memory = Math.max(...alarms.map(alarmMemorySeconds));
  const waitMs = since + memory * 1000 - ctx.clock.now();
  if (waitMs <= 0) return;
  const ago = Math.round((ctx.clock.now() - since) / 1000);
  ctx.log(`${to} was verified ${ago}s ago: waiting ${Math.ceil(waitMs / 1000)}s before moving traffic, until its alarms (which look back ${memory}s) judge only minutes with the release`);
  await ctx.clock.sleep(waitMs);
}

async function failOnProblems(when: string, problems: string[]) {
  if (problems.length) throw checkFailed([`switch aborted: ${when}:`, ...problems].join("\n  "));
}

/** How many times a restore is tried, beyond the SDK's own retries of each call, and the pause between tries. */
const RESTORE_TRIES = 3;
const RESTORE_PAUSE_MS = 15_000;

/**
 * Puts all traffic back on `from` and returns a line saying where production traffic is. A
 * restore that keeps failing is the one case that needs a human (exit 4). It writes over the
 * states this run itself may have left (the weights it last wrote or was writing), waiting out
 * a lagging read after its own write; an operator who already rolled back (all traffic on
 * `from`) did the restore; any other state is someone else's change, left as found.
 */
async function restore(ctx: ReleaseContext, current: ListenerState, attempted: Weights, from: Color, cause: string): Promise<string> {
  const back = allOn(from);
  const restored = `production traffic is all on ${from} again (${formatWeights(back)})`;
  if (sameWeights(current.weights, back) && sameWeights(attempted, back)) return `production traffic is all on ${from} (this run moved none)`;
  let lastError: Error | undefined;
  for (let attempt = 1; attempt <= RESTORE_TRIES; attempt++) {
    try {
      const ours = [current.weights, attempted];
      const now = await readSettled(ctx, ctx.outputs.productionListenerArn, current, ours);
      if (sameWeights(now, back)) {
        ctx.log(`production listener already has all traffic on ${from} (rolled back by someone else); nothing to restore`);
        return restored;
      }
      if (!ours.some((w) => sameWeights(w, now))) {
        throw refused(`listener changed under this run: expected ${formatWeights(current.weights)}, found ${formatWeights(now)}`);
      }
      const written = await writeListenerWeights(ctx, ctx.outputs.productionListenerArn, back);
      ctx.log(`restored production listener to ${formatWeights(written.weights)}: all traffic on ${from} again`);
      return restored;
    } catch (error) {
      lastError = error as Error;
      if (error instanceof ReleaseError) break;
      ctx.log(`restoring all traffic to ${from} failed (try ${attempt} of ${RESTORE_TRIES}): ${lastError.name}: ${lastError.message}`);
      if (attempt < RESTORE_TRIES) await ctx.clock.sleep(RESTORE_PAUSE_MS);
    }
  }
  throw new ReleaseError(
    `${cause}\nAND restoring all traffic to ${from} failed: ${lastError!.message}\n` +
      `production traffic may be split at ${formatWeights(current.weights)}: run \`npm run release -- rollback\` now`,
    ExitCode.manualInterventionRequired,
  );
}
