import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 1 (switch): the verified idle color scales out before the switch; CodeDeploy
 * deploys the verified revision to the new instance (creator `autoscaling`). The color is still
 * verified: its newest deployment is an automatic one of the very revision verify proved.
 */
scenario("switch after the verified idle color scaled out", { stack: "production" }, (get) => {
  it("switches to green although its latest deployment is CodeDeploy's automatic one", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });

    s.scheduleSizes("green", "morning", 60_000, { minSize: 2, desiredCapacity: 2 });
    await s.untilCapacity("green", 2);
    const greenGroup = s.deploymentGroup("green");
    expect(s.world.codedeploy.deployment(greenGroup.lastAttempted!).creator, "green's latest deployment").to.equal("autoscaling");

    await s.jobPasses("switch", { version: "v2", behaviour: "ok" });
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
    expect(s.versions("green").every((v) => v === "v2")).to.equal(true);
  });
});
