import { expect } from "chai";
import { jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 1: when the old color's Auto Scaling group launches an instance, CodeDeploy
 * deploys the group's last successful revision to it (creator `autoscaling`) and that becomes the
 * group's latest deployment. The old color still runs the verified release, so `rollback` must
 * still go back to it.
 */
scenario("rollback after the old color scaled out still returns to it", { stack: "production" }, (get) => {
  it("rolls back to blue although CodeDeploy deployed v1 again to blue's new instance", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });
    await s.jobPasses("switch", { version: "v2", behaviour: "ok" });

    // A sale is coming: operators pre-scale both colors with a scheduled action.
    for (const color of ["blue", "green"] as const) s.scheduleSizes(color, "sale", 10 * 60_000, { minSize: 2, desiredCapacity: 2 });
    await s.untilCapacity("blue", 2);
    await s.untilCapacity("green", 2);
    const blueGroup = s.deploymentGroup("blue");
    expect(s.world.codedeploy.deployment(blueGroup.lastAttempted!).creator, "blue's latest deployment").to.equal("autoscaling");

    await s.advance(30 * 60_000);
    const rollback = await s.cli(["rollback"]);
    expect(rollback.code, jobLog([rollback])).to.equal(0);
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
    expect(s.versions("blue")).to.deep.equal(["v1", "v1"]);
  });
});
