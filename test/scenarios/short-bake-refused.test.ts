import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 8: `--bake` shorter than the guarding alarms need to evaluate (period ×
 * DatapointsToAlarm + one period of delay: 180 s for this stack's alarms) is refused before any
 * change, naming the alarm and the minimum.
 */
scenario("a bake shorter than the alarms need is refused up front", { stack: "staging" }, (get) => {
  it("refuses --bake 30 with the alarm's name and the 180 s minimum, moving nothing", async () => {
    const s = get();
    await s.establish("blue");
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });
    const minimum = s.minimumBakeSeconds();
    expect(minimum).to.equal(180);

    const calls = s.world.endpoint.calls.length;
    const result = await s.cli(["switch", "--steps", "50,100", "--bake", "30"], { RELEASE_VERSION: "v2" });
    const log = `${result.out.join("\n")}\n${result.err}`;
    expect(result.code, log).to.equal(2);
    expect(result.err).to.include(String(minimum));
    expect(s.rollbackAlarms().some((name) => result.err.includes(name)), `names a guarding alarm\n${log}`).to.equal(true);
    expect(s.world.endpoint.calls.slice(calls).filter((c) => c.operation === "ModifyListener")).to.deep.equal([]);
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
  });
});
