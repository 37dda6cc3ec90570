import { formatWeights, soleColor, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { ExitCode, ReleaseError, checkFailed, refused } from "../errors";
import { readListenerWeights } from "../aws/listeners";
import { watchTraffic } from "../release-checks";
import { rollback } from "./rollback";

export interface WatchOptions {
  durationSeconds: number;
  checkIntervalSeconds: number;
  /** Roll back on the first problem instead of only reporting it. */
  rollbackOnProblem: boolean;
}

/** After a switch: watches the live color's alarms and targets for a while, optionally rolling back. */
export async function watch(ctx: ReleaseContext, options: WatchOptions): Promise<void> {
  const [production] = await readListenerWeights(ctx, [ctx.outputs.productionListenerArn]);
  const live = soleColor(production!);
  if (!live) throw refused(`production traffic is split (${formatWeights(production!)}); finish the switch first`);
  ctx.log(`watching ${live} for ${options.durationSeconds}s (alarms and target health every ${options.checkIntervalSeconds}s)`);
  const problems = await watchTraffic(ctx, live, options.durationSeconds, options.checkIntervalSeconds);
  if (!problems.length) {
    ctx.log(`${live} stayed clean for ${options.durationSeconds}s; release done`);
    return;
  }
  ctx.log(["problems on the live color:", ...problems].join("\n  "));
  if (options.rollbackOnProblem) await rollbackOrNeedHuman(ctx, live, problems);
  throw checkFailed(`watch failed on ${live}${options.rollbackOnProblem ? "; rolled back" : ""}`);
}

/**
 * A rollback that cannot happen (refused, or an AWS error) leaves production traffic on a color
 * that is failing: that needs a human now (exit 4), not a "precondition" exit 3.
 */
async function rollbackOrNeedHuman(ctx: ReleaseContext, live: Color, problems: string[]) {
  try {
    await rollback(ctx, { force: false });
  } catch (error) {
    throw new ReleaseError(
      [
        `watch found problems on ${live}, which takes all production traffic, AND rolling back failed: ${(error as Error).message}`,
        ...problems,
        `traffic is still on ${live}: investigate now; \`npm run release -- rollback --force\` skips the safety checks`,
      ].join("\n  "),
      ExitCode.manualInterventionRequired,
    );
  }
}
