import { expect } from "chai";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 6 and the required "throttling burst during a switch": for 20 s in the middle
 * of a bake every Elastic Load Balancing and CloudWatch call is throttled (something else in the
 * account is busy). The SDK's retries must carry the switch through it.
 */
scenario("a throttling burst during the switch", { stack: "production" }, (get) => {
  it("rides out 20 s of Throttling on ELB and CloudWatch and completes the switch", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });

    s.onProductionWeights((weights) => {
      if (weights.green !== 50) return;
      const from = s.clock.now() + 60_000;
      for (const service of ["elasticloadbalancing", "monitoring"]) s.world.faults.add({ kind: "throttle", service, from, until: from + 20_000 });
    });
    const switched = await s.job("switch", { version: "v2", behaviour: "ok" });
    expect(s.world.endpoint.calls.filter((c) => c.outcome === "Throttling").length, "the story needs throttled calls").to.be.greaterThan(0);
    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
  });
});
