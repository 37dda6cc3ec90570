import {
  DescribeListenersCommand,
  ModifyListenerCommand,
  type Action,
  type Listener,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { COLORS, formatWeights, sameWeights, type Color, type Weights } from "../colors";
import type { ReleaseContext } from "../context";
import { refused } from "../errors";

/** Which color a target group ARN belongs to, or an error naming the stranger. */
function colorOf(ctx: ReleaseContext, targetGroupArn: string, listenerArn: string): Color {
  const color = COLORS.find((c) => ctx.outputs[c].targetGroupArn === targetGroupArn);
  if (!color) {
    // A replaced target group (new ARN) leaves the listener on the old one (DESIGN decision 2).
    throw refused(
      `listener ${listenerArn} forwards to ${targetGroupArn}, which is neither BLUE_TARGET_GROUP_ARN ` +
        "nor GREEN_TARGET_GROUP_ARN: was a target group replaced? See the runbook (switch did not take).",
    );
  }
  return color;
}

function weightsOf(ctx: ReleaseContext, listener: Listener): Weights {
  const arn = listener.ListenerArn ?? "?";
  const forward = listener.DefaultActions?.find((action) => action.Type === "forward");
  if (!forward) throw refused(`listener ${arn} has no forward default action`);
  const weights: Weights = { blue: 0, green: 0 };
  const groups = forward.ForwardConfig?.TargetGroups;
  if (groups?.length) {
    // A weight left out means 1 (ELB's default); a lone target group gets everything either way.
    for (const group of groups) weights[colorOf(ctx, group.TargetGroupArn ?? "", arn)] += group.Weight ?? 1;
  } else if (forward.TargetGroupArn) {
    weights[colorOf(ctx, forward.TargetGroupArn, arn)] = 100;
  }
  if (weights.blue + weights.green === 0) throw refused(`listener ${arn} forwards no traffic to either color`);
  return weights;
}

/** Current weights of the given listeners, in one DescribeListeners call. */
export async function readListenerWeights(ctx: ReleaseContext, arns: string[]): Promise<Weights[]> {
  const { Listeners = [] } = await ctx.aws.elb.send(new DescribeListenersCommand({ ListenerArns: arns }));
  return arns.map((arn) => {
    const listener = Listeners.find((l) => l.ListenerArn === arn);
    if (!listener) throw refused(`listener ${arn} not found`);
    return weightsOf(ctx, listener);
  });
}

export async function readBothListeners(ctx: ReleaseContext) {
  const { productionListenerArn, testListenerArn } = ctx.outputs;
  const [production, test] = await readListenerWeights(ctx, [productionListenerArn, testListenerArn]);
  return { production: production!, test: test! };
}

function weightedForward(ctx: ReleaseContext, weights: Weights): Action[] {
  return [
    {
      Type: "forward",
      ForwardConfig: {
        TargetGroups: COLORS.map((color) => ({
          TargetGroupArn: ctx.outputs[color].targetGroupArn,
          Weight: weights[color],
        })),
        // No stickiness: sessions live off the instances, and stickiness would hold clients on
        // the old color after a switch or a rollback.
        TargetGroupStickinessConfig: { Enabled: false },
      },
    },
  ];
}

/**
 * Refuses (exit 3) unless the listener still holds the weights this run last saw or set: another
 * run or a person (e.g. an operator's rollback) changed it, and the change is theirs to finish.
 */
export async function requireListenerWeights(ctx: ReleaseContext, listenerArn: string, expected: Weights): Promise<void> {
  const [current] = await readListenerWeights(ctx, [listenerArn]);
  if (!sameWeights(current!, expected)) {
    throw refused(
      `listener ${listenerArn} changed under this run: expected ${formatWeights(expected)}, ` +
        `found ${formatWeights(current!)}. Another release run or a manual change (a rollback?) is in progress; ` +
        "this run leaves the listener as found. Check `npm run release -- status` and re-run.",
    );
  }
}

/**
 * Sets a listener's weights, but only if it still holds the weights this run last saw: another
 * run (or a person in the console) that changed it in between makes this refuse, not overwrite.
 * The re-read and the modify are not atomic; the pipeline's resource_group closes that gap.
 */
export async function setListenerWeights(
  ctx: ReleaseContext,
  listenerArn: string,
  expected: Weights,
  next: Weights,
): Promise<void> {
  await requireListenerWeights(ctx, listenerArn, expected);
  await ctx.aws.elb.send(
    new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: weightedForward(ctx, next) }),
  );
}
