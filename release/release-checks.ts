import type { Color } from "./colors";
import type { ReleaseContext } from "./context";
import { alarmProblems } from "./aws/alarms";
import { targetHealth, unhealthyTargetLines } from "./aws/target-health";

/** What must hold while a color takes production traffic: none of its rollback alarms firing, every target healthy. */
export async function trafficCheckProblems(ctx: ReleaseContext, color: Color): Promise<string[]> {
  const problems = await alarmProblems(ctx, color);
  const health = await targetHealth(ctx, color);
  if (!health.healthy) problems.push(...unhealthyTargetLines(health).map((line) => `${color} target ${line}`));
  return problems;
}

/**
 * Checks `color` every `intervalSeconds` for `seconds` (at least once) and returns the first
 * problems found, or an empty list when the whole period was clean.
 */
export async function watchTraffic(
  ctx: ReleaseContext,
  color: Color,
  seconds: number,
  intervalSeconds: number,
): Promise<string[]> {
  const deadline = ctx.clock.now() + seconds * 1000;
  for (;;) {
    const remaining = deadline - ctx.clock.now();
    if (remaining > 0) await ctx.clock.sleep(Math.min(intervalSeconds * 1000, remaining));
    const problems = await trafficCheckProblems(ctx, color);
    if (problems.length || ctx.clock.now() >= deadline) return problems;
  }
}
