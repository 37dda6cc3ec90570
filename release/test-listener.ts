import { allOn, soleColor, type Color, type Weights } from "./colors";
import type { ReleaseContext } from "./context";
import { setListenerWeights } from "./aws/listeners";

/** Points the test listener at `color` (the idle one) unless it already is. */
export async function pointTestListenerAt(ctx: ReleaseContext, current: Weights, color: Color) {
  if (soleColor(current) === color) return;
  await setListenerWeights(ctx, ctx.outputs.testListenerArn, { weights: current }, allOn(color));
  ctx.log(`test listener now forwards to ${color} (${ctx.outputs.testListenerUrl})`);
}
