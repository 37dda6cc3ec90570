import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { Color } from "../colors";
import type { ReleaseContext } from "../context";

export interface TargetState {
  /** The instance id as registered (targets are instances, registered by the Auto Scaling group). */
  instanceId: string;
  /** Instance and port, for messages. */
  id: string;
  state: string;
  reason?: string;
  description?: string;
}

export interface ColorHealth {
  targets: TargetState[];
  healthyCount: number;
  /** e.g. "3 healthy, 1 initial": every state present, healthy first. */
  summary: string;
}

export async function targetHealth(ctx: ReleaseContext, color: Color): Promise<ColorHealth> {
  const { TargetHealthDescriptions = [] } = await ctx.aws.elb.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: ctx.outputs[color].targetGroupArn }),
  );
  const targets: TargetState[] = TargetHealthDescriptions.map((d) => ({
    instanceId: d.Target?.Id ?? "?",
    id: `${d.Target?.Id ?? "?"}:${d.Target?.Port ?? "?"}`,
    state: d.TargetHealth?.State ?? "unknown",
    ...(d.TargetHealth?.Reason && { reason: d.TargetHealth.Reason }),
    ...(d.TargetHealth?.Description && { description: d.TargetHealth.Description }),
  }));
  const counts = new Map<string, number>([["healthy", 0]]);
  for (const t of targets) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const summary = targets.length ? [...counts].filter(([state, n]) => n || state === "healthy").map(([state, n]) => `${n} ${state}`).join(", ") : "no targets";
  return { targets, healthyCount: counts.get("healthy")!, summary };
}

const describe = (t: TargetState) => `${t.id} ${t.state}${t.reason ? ` (${t.reason}${t.description ? `: ${t.description}` : ""})` : ""}`;

/**
 * What fails a check on a color (each line reads after the color's name) that takes (or is about to take) traffic: a target ELB found
 * `unhealthy`, or fewer `healthy` targets than `required`. The other states are part of an
 * ordinary day and are not failures (elasticloadbalancing/latest/APIReference/API_TargetHealth.html):
 * `initial` is a new instance still passing its first checks (a scale-out or a replacement),
 * `draining` one leaving (a scale-in), `unused`/`unavailable` ones ELB does not judge. The count
 * of healthy targets is what says whether the color still has the capacity it needs.
 */
export function targetProblems(health: ColorHealth, required: number): string[] {
  const problems = health.targets.filter((t) => t.state === "unhealthy").map((t) => `target ${describe(t)}`);
  if (health.targets.length === 0) problems.push("has no targets registered");
  else if (health.healthyCount < required) {
    problems.push(
      `has ${health.healthyCount} healthy target${health.healthyCount === 1 ? "" : "s"}, ${required} required (${health.summary})`,
    );
  }
  return problems;
}

/** One line per target that is not healthy, for reports: reported, whether or not it fails a check. */
export const notHealthyLines = (health: ColorHealth): string[] => health.targets.filter((t) => t.state !== "healthy").map(describe);
