import { expect } from "chai";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 3: a target `draining` because its instance is being scaled in is no failed
 * check. The evening's scheduled scale-down takes one of green's two instances while the watch
 * after the switch runs; the watch must not roll production back for it.
 */
scenario("the evening scale-down drains a live instance during the watch: no rollback", { stack: "production" }, (get) => {
  it("watches green through a draining target and keeps production on it", async () => {
    const s = get();
    await s.establish("blue");
    // The morning's scheduled scale-up: two instances per color for the day.
    for (const color of ["blue", "green"] as const) s.scheduleSizes(color, "morning", 60_000, { minSize: 2, desiredCapacity: 2 });
    await s.untilCapacity("blue", 2);
    await s.untilCapacity("green", 2);
    s.setLoad(100);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });

    s.onProductionWeights((weights) => {
      // The last bake lasts SWITCH_BAKE_SECONDS (300 s): the scale-down lands in the watch.
      if (weights.green === 100) s.scheduleSizes("green", "evening", 7 * 60_000 + 7_000, { minSize: 1, desiredCapacity: 1 });
    });
    const greenArn = s.targetGroup("green").arn;
    const switched = await s.job("switch", { version: "v2", behaviour: "ok" });
    const watch = switched[1];
    if (!watch) expect.fail(`the switch did not reach the watch:\n${jobLog(switched)}`);
    const drainingDuringWatch = s.world.events.filter(
      (e) => e.type === "target-state" && e.tgArn === greenArn && e.state === "draining" && e.time! > watch.startedAt && e.time! <= watch.endedAt,
    );
    expect(drainingDuringWatch, `the story needs green draining during the watch\n${jobLog(switched)}`).to.not.have.lengthOf(0);
    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
  });
});
