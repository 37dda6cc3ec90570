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
  /** At least one target, and every registered target healthy. */
  healthy: boolean;
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
  const healthyCount = targets.filter((t) => t.state === "healthy").length;
  const healthy = targets.length > 0 && healthyCount === targets.length;
  return { targets, healthy, summary: `${healthyCount}/${targets.length} healthy` };
}

/** One line per target that is not healthy, with ELB's reason (e.g. Target.ResponseCodeMismatch). */
export const unhealthyTargetLines = (health: ColorHealth): string[] =>
  health.targets.length === 0
    ? ["no targets registered"]
    : health.targets
        .filter((t) => t.state !== "healthy")
        .map((t) => `${t.id} ${t.state}${t.reason ? ` (${t.reason}${t.description ? `: ${t.description}` : ""})` : ""}`);
