import {
  DeleteScheduledActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  DescribeScheduledActionsCommand,
  PutScheduledUpdateGroupActionCommand,
  UpdateAutoScalingGroupCommand,
  type InstanceRefresh,
} from "@aws-sdk/client-auto-scaling";
import type { Color } from "../colors";
import type { ReleaseContext } from "../context";
import { refused } from "../errors";

/**
 * The capacity the infra program configured for a color's group, as tags on the group
 * (infra/compute.ts): what a held group returns to. The release tool changes MinSize and MaxSize
 * while a release is in flight (DESIGN decision 10), so the group's own values are not it.
 */
export const CONFIGURED_MIN_TAG = "bluegreen:min-size";
export const CONFIGURED_MAX_TAG = "bluegreen:max-size";
/** The scheduled action that ends a hold at its latest time, even if no tool runs again. */
export const HOLD_END_ACTION = "bluegreen-release-hold-end";

export interface Fleet {
  color: Color;
  name: string;
  min: number;
  max: number;
  desired: number;
  /** Instances the group counts as InService and Healthy. */
  inService: string[];
  /** Instances launching (Pending, Pending:Wait, Pending:Proceed: the lifecycle hook runs CodeDeploy's deployment). */
  launching: number;
  configured: { min: number; max: number };
}

/** Both (or one) colors' groups, in one DescribeAutoScalingGroups call. */
export async function describeFleets(ctx: ReleaseContext, colors: readonly Color[]): Promise<Record<Color, Fleet>> {
  const names = colors.map((c) => ctx.outputs[c].asgName);
  const { AutoScalingGroups = [] } = await ctx.aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: names }));
  const fleets = {} as Record<Color, Fleet>;
  for (const color of colors) {
    const name = ctx.outputs[color].asgName;
    const group = AutoScalingGroups.find((g) => g.AutoScalingGroupName === name);
    if (!group) throw refused(`Auto Scaling group ${name} (${color.toUpperCase()}_ASG_NAME) not found`);
    const tag = (key: string) => {
      const value = Number(group.Tags?.find((t) => t.Key === key)?.Value);
      if (!Number.isInteger(value) || value < 0) {
        throw refused(`Auto Scaling group ${name} has no ${key} tag (the capacity the infra program configured): run the stack's \`pulumi up\` first`);
      }
      return value;
    };
    const instances = group.Instances ?? [];
    fleets[color] = {
      color,
      name,
      min: group.MinSize ?? 0,
      max: group.MaxSize ?? 0,
      desired: group.DesiredCapacity ?? 0,
      inService: instances.filter((i) => i.LifecycleState === "InService" && i.HealthStatus === "Healthy").map((i) => i.InstanceId!),
      launching: instances.filter((i) => i.LifecycleState?.startsWith("Pending")).length,
      configured: { min: tag(CONFIGURED_MIN_TAG), max: tag(CONFIGURED_MAX_TAG) },
    };
  }
  return fleets;
}

/**
 * Sets sizes with UpdateAutoScalingGroup. Only what is given changes; a MinSize above the desired
 * capacity raises it, a MaxSize below lowers it (autoscaling/ec2/APIReference/API_UpdateAutoScalingGroup.html).
 */
export async function resizeFleet(ctx: ReleaseContext, fleet: Fleet, sizes: { MinSize?: number; MaxSize?: number; DesiredCapacity?: number }) {
  await ctx.aws.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: fleet.name, ...sizes }));
}

/**
 * Schedules the group's return to its configured sizes at `at` (PutScheduledUpdateGroupAction:
 * a one-time action at StartTime; Put again replaces it. autoscaling/ec2/APIReference/API_PutScheduledUpdateGroupAction.html).
 * MaxSize only when the hold raised it, so a late action never shrinks a group's normal range.
 */
export async function scheduleHoldEnd(ctx: ReleaseContext, fleet: Fleet, at: Date, restoreMax: boolean) {
  await ctx.aws.autoscaling.send(
    new PutScheduledUpdateGroupActionCommand({
      AutoScalingGroupName: fleet.name,
      ScheduledActionName: HOLD_END_ACTION,
      StartTime: at,
      MinSize: fleet.configured.min,
      ...(restoreMax && { MaxSize: fleet.configured.max }),
    }),
  );
}

/** When the group's hold ends by itself, if a hold-end action is scheduled. */
export async function holdEndTime(ctx: ReleaseContext, fleet: Fleet): Promise<Date | undefined> {
  const { ScheduledUpdateGroupActions = [] } = await ctx.aws.autoscaling.send(
    new DescribeScheduledActionsCommand({ AutoScalingGroupName: fleet.name, ScheduledActionNames: [HOLD_END_ACTION] }),
  );
  return ScheduledUpdateGroupActions.find((a) => a.ScheduledActionName === HOLD_END_ACTION)?.StartTime;
}

export async function cancelHoldEnd(ctx: ReleaseContext, fleet: Fleet) {
  await ctx.aws.autoscaling.send(new DeleteScheduledActionCommand({ AutoScalingGroupName: fleet.name, ScheduledActionName: HOLD_END_ACTION }));
}

/**
 * Instance refresh states in which it still replaces instances, or may again
 * (autoscaling/ec2/APIReference/API_InstanceRefresh.html): `Baking` waits after the last
 * replacement and can still roll back.
 */
const REFRESHING = new Set(["Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"]);

/** The group's instance refresh that is still running, if any, among those of the last six weeks DescribeInstanceRefreshes returns. */
export async function runningInstanceRefresh(ctx: ReleaseContext, color: Color): Promise<InstanceRefresh | undefined> {
  const { InstanceRefreshes = [] } = await ctx.aws.autoscaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: ctx.outputs[color].asgName }),
  );
  return InstanceRefreshes.find((r) => REFRESHING.has(r.Status ?? ""));
}
