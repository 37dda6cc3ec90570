import { expect } from "chai";
import type { Color } from "../../release/colors";
import { jobLog, scenario } from "./scenario";

/**
 * The required "rollback an hour after a switch during which both colors scaled": after the
 * release blue went back to its minimum and green grew with the traffic. A rollback must land
 * production on a fleet sized for it: it scales blue up first (saying so), then moves traffic.
 */
scenario("rollback an hour after the switch, both colors having scaled", { stack: "production" }, (get) => {
  it("scales blue to green's capacity before it moves production back", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });
    await s.jobPasses("switch", { version: "v2", behaviour: "ok" });

    // The hour after: traffic grows, green scales out to four; blue stays at its minimum.
    await s.trafficGrowsToFour("green");
    expect(s.inService("blue")).to.equal(s.declared.blue.minSize);

    const liveCapacity = s.inService("green");
    const moves: { weights: Record<Color, number>; blueHealthy: number }[] = [];
    s.onProductionWeights((weights) => moves.push({ weights, blueHealthy: s.healthyTargets("blue") }));
    const rollback = await s.cli(["rollback"]);
    const log = jobLog([rollback]);
    expect(moves.filter((m) => m.weights.blue > 0), log).to.not.have.lengthOf(0);
    for (const move of moves.filter((m) => m.weights.blue > 0)) {
      expect(move.blueHealthy, `blue healthy instances when production went to ${JSON.stringify(move.weights)}\n${log}`).to.be.at.least(liveCapacity);
    }
    expect(rollback.code, log).to.equal(0);
    expect(rollback.out.join("\n"), "says it scales blue first").to.match(/scal/i);
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
  });
});
