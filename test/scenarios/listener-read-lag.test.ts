import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 7: listener reads lag writes (no ELB page bounds it; here reads show a write
 * 25 s late, an assumption within the tool's own 30 s bound). A read soon after the switch's own
 * ModifyListener sees the old weights. That is not someone else's change: the switch must neither
 * refuse half-way (exit 3) nor leave production split.
 *
 * Two reads straight after a write: `--bake 0` (the example; refusing such a bake up
 * front, exit 2 with nothing changed, is fine too), and the restore after a step aborted within
 * seconds of its write because a green host failed.
 */
scenario("listener reads that lag the switch's own writes", { stack: "production" }, (get) => {
  it("never treats its own write as a concurrent change, and restores through the lag", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });
    s.world.elb.listenerReadLagMs = 25_000;

    const modifies = () => s.world.endpoint.calls.filter((c) => c.operation === "ModifyListener").length;
    const before = modifies();
    const unbaked = await s.cli(["switch", "--steps", "10,100", "--bake", "0"], { RELEASE_VERSION: "v2" });
    let log = `${unbaked.out.join("\n")}\n${unbaked.err}`;
    expect(unbaked.err, log).to.not.match(/changed under this run/);
    if (unbaked.code === 2) {
      expect(modifies(), "a refused bake changes nothing").to.equal(before);
    } else {
      expect(unbaked.code, log).to.equal(0);
      expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
      return;
    }

    // Green's only host fails 1 s after production reaches 50 %: its target turns unhealthy two
    // checks later, the bake's next check sees it, and the restore reads the listener while the
    // 50 % write is still invisible to reads.
    s.onProductionWeights((weights) => {
      if (weights.green === 50) s.at(1_000, () => s.world.impairInstance(s.world.autoscaling.inService(s.group("green"))[0]!.id));
    });
    const [switchCommand] = s.jobCommands("switch", { version: "v2", behaviour: "ok" });
    const aborted = await switchCommand!();
    log = `${aborted.out.join("\n")}\n${aborted.err}`;
    const green = s.targetGroup("green").arn;
    const fiftyAt = s.world.events.find((e) => e.type === "listener-modified" && (e.weights as Record<string, number>)[green] === 50)!.time!;
    const unhealthyAt = s.world.events.find((e) => e.type === "target-state" && e.tgArn === green && e.state === "unhealthy" && e.time! > fiftyAt)?.time;
    expect(unhealthyAt! - fiftyAt, `the story needs the abort within the read lag of the 50 % write\n${log}`).to.be.below(s.world.elb.listenerReadLagMs);
    expect(aborted.err, log).to.not.match(/changed under this run/);
    expect(aborted.code, log).to.equal(1);
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
  });
});
