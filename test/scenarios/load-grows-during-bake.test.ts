import { expect } from "chai";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 3 and the required "load grows during the bake" story: production traffic
 * grows while 50 % is on green, green scales out during the next bake, and its new instance is
 * `initial` while it passes its first health checks. That is no failed check: the switch goes on.
 */
scenario("load grows during the bake: the new live color scales out and the switch goes on", { stack: "production" }, (get) => {
  it("switches to green while green launches an instance (initial) under the grown load", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    await s.advance(20 * 60_000);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });

    let grownAt: number | undefined;
    s.onProductionWeights((weights) => {
      if (weights.green === 50 && grownAt === undefined) {
        grownAt = s.clock.now();
        s.setLoad(250);
      }
    });
    const greenArn = s.targetGroup("green").arn;
    const switched = await s.job("switch", { version: "v2", behaviour: "ok" });
    const switchEnd = switched[0]!.endedAt;
    const initialDuringSwitch = s.world.events.filter(
      (e) => e.type === "target-state" && e.tgArn === greenArn && e.state === "initial" && e.time! > grownAt! && e.time! < switchEnd,
    );
    expect(initialDuringSwitch, "the story needs a green instance joining during the switch").to.not.have.lengthOf(0);

    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
    expect(s.inService("green")).to.be.at.least(2);
  });
});
