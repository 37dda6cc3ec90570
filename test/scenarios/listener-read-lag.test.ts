import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 7: listener reads lag writes (the model shows a write to DescribeListeners 5 s
 * later; an assumption, elb.ts). A read straight after ModifyListener, as with `--bake 0`, sees
 * the old weights. That is not someone else's change: the switch must neither refuse half-way
 * (exit 3) nor leave production split. Refusing the bake up front (exit 2, nothing changed) is
 * fine too.
 */
scenario("listener reads that lag the switch's own writes", { stack: "production" }, (get) => {
  it("never treats its own write as a concurrent change", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    for (const command of s.jobCommands("deploy", { version: "v2", behaviour: "ok" })) expect((await command()).code).to.equal(0);

    const modifies = () => s.world.endpoint.calls.filter((c) => c.operation === "ModifyListener").length;
    const before = modifies();
    const result = await s.cli(["switch", "--steps", "10,100", "--bake", "0"], { RELEASE_VERSION: "v2" });
    const weights = s.weights();
    const log = `${result.out.join("\n")}\n${result.err}`;
    expect(result.err, log).to.not.match(/changed under this run/);
    expect(weights.blue === 0 || weights.green === 0, `production left split at ${JSON.stringify(weights)}\n${log}`).to.equal(true);
    if (result.code === 2) {
      expect(modifies(), "a refused bake changes nothing").to.equal(before);
    } else {
      expect(result.code, log).to.equal(0);
      expect(weights).to.deep.equal({ blue: 0, green: 100 });
    }
  });
});
