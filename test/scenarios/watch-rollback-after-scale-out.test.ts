import { expect } from "chai";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 1 (watch): the release crashes during the watch, and `watch --rollback` must
 * put production back on blue, although blue scaled out meanwhile and CodeDeploy's automatic
 * deployment of v1 is now blue's latest. Leaving traffic on the crashing color (exit 4) is the
 * defect.
 */
scenario("watch --rollback after the old color scaled out rolls back", { stack: "production" }, (get) => {
  it("rolls production back to blue when green crashes during the watch", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    // Passes ValidateService and the switch, crashes during the watch.
    const release = { version: "v2", behaviour: "crash-after-ready", crashAfterSeconds: 25 * 60 } as const;
    const deploy = await s.job("deploy", release);
    expect(exits(deploy), jobLog(deploy)).to.deep.equal([0, 0, 0, 0]);
    s.onProductionWeights((weights) => {
      if (weights.green === 100) s.scheduleSizes("blue", "sale", 60_000, { minSize: 2, desiredCapacity: 2 });
    });

    const switched = await s.job("switch", release);
    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 1]);
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
    expect(s.versions("blue").every((v) => v === "v1")).to.equal(true);
  });
});
