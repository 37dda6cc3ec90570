import { expect } from "chai";
import { COLORS } from "../../release/colors";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 6: "a switch that cannot complete leaves production on one color, never
 * split, with a message that says which". Every ModifyListener hangs for ten minutes from the
 * 10 % step on; the switch cannot finish, and must not leave 10 % on green when it gives up.
 */
scenario("a switch that cannot complete leaves production on one color", { stack: "production" }, (get) => {
  it("gives up with all traffic on one color and names it", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });

    s.onProductionWeights((weights) => {
      if (weights.green !== 10) return;
      const from = s.clock.now() + 1;
      s.world.faults.add({ kind: "hang", service: "elasticloadbalancing", operation: "ModifyListener", from, until: from + 10 * 60_000 });
    });
    const [switchCommand] = s.jobCommands("switch", { version: "v2", behaviour: "ok" });
    let result;
    try {
      result = await switchCommand!();
    } catch (error) {
      expect.fail(`the switch never ended: ${(error as Error).message}; production at ${JSON.stringify(s.weights())}`);
    }
    const weights = s.weights();
    const sole = COLORS.filter((c) => weights[c] > 0);
    expect(sole, `production weights after the switch gave up: ${JSON.stringify(weights)}\n${result.err}`).to.have.length(1);
    expect(result.code).to.not.equal(0);
    expect(result.err).to.include(sole[0]);
  });
});
