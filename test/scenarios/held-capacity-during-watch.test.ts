import { expect } from "chai";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 2 (second half): once traffic has left it, the old color's target tracking
 * scales it in during the watch, so "rollback in seconds" would land production on a shrunken
 * fleet. Its capacity must be held until the watch ends, then it returns to its configured
 * minimum (DESIGN decision 10).
 */
scenario("the old color keeps its capacity through the watch, then returns to its minimum", { stack: "production" }, (get) => {
  it("holds blue at four instances from the switch to the end of the watch, then lets it go back to one", async () => {
    const s = get();
    await s.establish("blue");
    await s.trafficGrowsToFour("blue");
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });

    const held = s.inService("blue");
    let trafficLeftBlue = false;
    let lowest = held;
    s.onProductionWeights((weights) => {
      trafficLeftBlue ||= weights.blue === 0;
    });
    s.world.observe(() => {
      if (trafficLeftBlue) lowest = Math.min(lowest, s.inService("blue"));
    });
    const switched = await s.job("switch", { version: "v2", behaviour: "ok" });
    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 0]);
    expect(lowest, `blue InService instances between the last weight move and the end of the watch\n${jobLog(switched)}`).to.equal(held);

    // The hold ends with the watch: blue scales in to its configured minimum on its own.
    trafficLeftBlue = false;
    await s.advance(60 * 60_000);
    const blue = s.group("blue");
    expect(blue.minSize, "blue's minimum after the hold").to.equal(s.declared.blue.minSize);
    expect([...blue.suspended.keys()], "processes still suspended on blue").to.deep.equal([]);
    expect(s.world.autoscaling.members(blue).filter((i) => i.protectedFromScaleIn).map((i) => i.id), "instances still protected").to.deep.equal([]);
    expect(s.inService("blue")).to.equal(s.declared.blue.minSize);
  });
});
