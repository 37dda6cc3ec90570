import type { Color } from "./colors";
import type { ReleaseContext } from "./context";
import { alarmProblems } from "./aws/alarms";
import { targetHealth, targetProblems } from "./aws/target-health";

/**
 * What must hold while a color takes production traffic: none of its rollback alarms firing, no
 * target `unhealthy`, and at least `required` healthy targets (aws/target-health.ts: a target in
 * `initial` or `draining` is an ordinary scale-out or scale-in, not a failure).
 */
export async function trafficCheckProblems(ctx: ReleaseContext, color: Color, required: number): Promise<string[]> {
  const problems = await alarmProblems(ctx, color);
  problems.push(...targetProblems(await targetHealth(ctx, color), required).map((line) => `${color} ${line}`));
  return problems;
}

/**
 * Checks `color` every `intervalSeconds` for `seconds` (at least once) and returns the first
 * problems found, or an empty list when the whole period was clean.
 */
export async function watchTraffic(
  ctx: ReleaseContext,
  color: Color,
  required: number,
  seconds: number,
  intervalSeconds: number,
): Promise<string[]> {
  const deadline = ctx.clock.now() + seconds * 1000;
  for (;;) {
    const remaining = deadline - ctx.clock.now();
    if (remaining > 0) await ctx.clock.sleep(Math.min(intervalSeconds * 1000, remaining));
    const problems = await trafficCheckProblems(ctx, color, required);
    if (problems.length || ctx.clock.now() >= deadline) return problems;
  }
}
