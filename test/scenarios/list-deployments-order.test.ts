import { expect } from "chai";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 5: ListDeployments documents no order (the model's is a fixed shuffle). verify
 * proves each instance by the newest deployment that targeted it; when the morning scale-up lands
 * between deploy and verify, that needs the group's deployments in creation order.
 */
scenario("verify proves every instance whatever order ListDeployments answers in", { stack: "production", seed: 2 }, (get) => {
  it("verifies green after a scale-out between deploy and verify", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    const [status, upload, deploy, verify] = s.jobCommands("deploy", { version: "v2", behaviour: "ok" });
    for (const command of [status!, upload!, deploy!]) {
      const result = await command();
      expect(result.code, jobLog([result])).to.equal(0);
    }
    s.scheduleSizes("green", "morning", 60_000, { minSize: 2, desiredCapacity: 2 });
    await s.untilCapacity("green", 2);

    const verified = await verify!();
    expect(exits([verified]), jobLog([verified])).to.deep.equal([0]);
    expect(s.world.endpoint.calls.some((c) => c.operation === "ListDeployments"), "the story needs verify to read the group's deployments").to.equal(true);
  });
});
