import { expect } from "chai";
import type { Color } from "../../release/colors";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 2: the idle color sits at its minimum while the live one has scaled out. A
 * switch must first bring the idle color to the live color's in-service capacity, healthy and
 * proven on the release, and only then move weight (DESIGN decision 10).
 */
scenario("capacity handoff: production moves only onto a fleet sized for it", { stack: "production" }, (get) => {
  it("raises green to blue's four instances before the first weight moves, and switches", async () => {
    const s = get();
    await s.establish("blue");
    // Traffic grows over the morning; blue scales out to four instances.
    await s.trafficGrowsToFour("blue");
    expect(s.inService("green")).to.equal(1);

    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });

    const liveCapacity = s.inService("blue");
    const moves: { weights: Record<Color, number>; greenHealthy: number }[] = [];
    s.onProductionWeights((weights) => moves.push({ weights, greenHealthy: s.healthyTargets("green") }));
    const switched = await s.job("switch", { version: "v2", behaviour: "ok" });

    const onGreen = moves.filter((m) => m.weights.green > 0);
    expect(onGreen, "weight moved to green").to.not.have.lengthOf(0);
    for (const move of onGreen) {
      expect(move.greenHealthy, `green healthy instances when production went to ${JSON.stringify(move.weights)}\n${jobLog(switched)}`).to.be.at.least(liveCapacity);
    }
    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
    expect(s.versions("green").every((v) => v === "v2")).to.equal(true);
  });
});
