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

/** A listener's weights as this run knows them: read, or written by this run at `writtenAt`. */
export interface ListenerState {
  weights: Weights;
  writtenAt?: number;
}

/**
 * How long a read may still show a listener as it was before this run's ModifyListener. Listener
 * changes take effect asynchronously and ELB's reads are eventually consistent; no ELB page states
 * a bound, so this one is an assumption (generous: reads usually catch up within seconds).
 */
export const LISTENER_READ_LAG_MS = 30_000;
const LAG_POLL_MS = 2_000;

/**
 * Reads a listener's weights, re-reading while they are not among `accepted` and this run wrote
 * the listener less than LISTENER_READ_LAG_MS ago: until then a different answer may be the old
 * state, not someone else's change. Returns the last read.
 */
export async function readSettled(ctx: ReleaseContext, listenerArn: string, known: ListenerState, accepted: Weights[]): Promise<Weights> {
  for (;;) {
    const [current] = await readListenerWeights(ctx, [listenerArn]);
    const settled = known.writtenAt === undefined || ctx.clock.now() - known.writtenAt >= LISTENER_READ_LAG_MS;
    if (accepted.some((w) => sameWeights(w, current!)) || settled) return current!;
    await ctx.clock.sleep(LAG_POLL_MS);
  }
}

/**
 * Refuses (exit 3) unless the listener still holds the weights this run last saw or set: another
 * run or a person (e.g. an operator's rollback) changed it, and the change is theirs to finish.
 */
export async function requireListenerWeights(ctx: ReleaseContext, listenerArn: string, expected: ListenerState): Promise<void> {
  const current = await readSettled(ctx, listenerArn, expected, [expected.weights]);
  if (!sameWeights(current, expected.weights)) {
    throw refused(
      `listener ${listenerArn} changed under this run: expected ${formatWeights(expected.weights)}, ` +
        `found ${formatWeights(current)}. Another release run or a manual change (a rollback?) is in progress; ` +
        "this run leaves the listener as found. Check `npm run release -- status` and re-run.",
    );
  }
}

/**
 * Sets a listener's weights, but only if it still holds the weights this run last saw: another
 * run (or a person in the console) that changed it in between makes this refuse, not overwrite.
 * The re-read and the modify are not atomic; the pipeline's resource_group closes that gap.
 * ModifyListener answers with the listener as modified (elasticloadbalancing/latest/APIReference/API_ModifyListener.html):
 * that answer, not a later read, is the state the run expects from then on.
 */
export async function setListenerWeights(
  ctx: ReleaseContext,
  listenerArn: string,
  expected: ListenerState,
  next: Weights,
): Promise<ListenerState> {
  await requireListenerWeights(ctx, listenerArn, expected);
  return writeListenerWeights(ctx, listenerArn, next);
}

/** ModifyListener without the guard, for a caller that checked the state itself (a restore). */
export async function writeListenerWeights(ctx: ReleaseContext, listenerArn: string, next: Weights): Promise<ListenerState> {
  const { Listeners = [] } = await ctx.aws.elb.send(
    new ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: weightedForward(ctx, next) }),
  );
  const modified = Listeners.find((l) => l.ListenerArn === listenerArn);
  return { weights: modified ? weightsOf(ctx, modified) : next, writtenAt: ctx.clock.now() };
}
