import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * The required "canary alarm fires at 50 %": the release answers 5xx only under real load (above
 * 20 requests per second per instance), so it is clean at 10 % and fails at 50 %. The green
 * 5xx-rate alarm fires during the 50 % bake; the switch restores all traffic to blue and fails.
 */
scenario("the canary alarm fires at 50 %", { stack: "production" }, (get) => {
  it("restores blue and exits non-zero when green's 5xx alarm fires during the 50 % bake", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(100);
    await s.untilCapacity("blue", 2);
    const release = { version: "v2", behaviour: "5xx", errorRate: 0.2, aboveRps: 20 } as const;
    await s.jobPasses("deploy", release);

    let most = 0;
    s.onProductionWeights((weights) => (most = Math.max(most, weights.green)));
    const [switchCommand] = s.jobCommands("switch", release);
    const result = await switchCommand!();
    const log = `${result.out.join("\n")}\n${result.err}`;
    expect(result.code, log).to.equal(1);
    expect(most, log).to.equal(50);
    expect(result.err).to.include("bluegreen-production-green-target-5xx-rate");
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
  });
});
