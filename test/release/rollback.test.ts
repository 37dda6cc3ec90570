import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { PRODUCTION_LISTENER, TEST_LISTENER, World } from "./fake-aws";
import { run } from "./run";
import { ROLLBACK_TAG, afterSwitchToGreen } from "./stories";

describe("release rollback", () => {
  it("puts all traffic back on the previous color in one production listener update (10 AWS calls)", async () => {
    const world = afterSwitchToGreen();
    const result = await run(world, ["rollback"]);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    expect(world.calls).to.deep.equal([
      "ELB.DescribeListeners", // both listeners, one call
      "ELB.DescribeTags", // listener + both target groups, one call
      "ELB.DescribeTargetHealth", // blue: no unhealthy target, and how many healthy
      "CodeDeploy.GetDeploymentGroup", // blue not redeployed since it was verified
      "AutoScaling.DescribeAutoScalingGroups", // both groups: blue has as many ready as green in service
      "ELB.DescribeListeners", // concurrency re-read
      "ELB.ModifyListener", // production: the one update that moves traffic
      "AutoScaling.DescribeAutoScalingGroups", // after it: holds to release (none here)
      "ELB.DescribeListeners", // concurrency re-read
      "ELB.ModifyListener", // test listener to the color rolled back from
    ]);
    expect(result.out.join("\n")).to.include("blue 0 / green 100 -> blue 100 / green 0: rolled back to blue");
  });

  it("rolls back a switch that is half-way (mid-switch) in one update", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 50, green: 50 };
    world.tags[PRODUCTION_LISTENER] = { [ROLLBACK_TAG]: "blue" };
    const result = await run(world, ["rollback"]);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    expect(world.count("ELB.ModifyListener")).to.equal(1); // the test listener was already on green
  });

  it("is a no-op when re-run", async () => {
    const world = afterSwitchToGreen();
    await run(world, ["rollback"]);
    const calls = world.calls.length;
    const again = await run(world, ["rollback"]);
    expect(again.code).to.equal(ExitCode.ok);
    expect(again.out.join("\n")).to.include("blue already takes all production traffic; nothing to roll back");
    expect(world.calls.length - calls).to.equal(2); // DescribeListeners + DescribeTags, nothing modified
  });

  it("refuses when no switch was ever recorded", async () => {
    const world = World.betweenReleases("blue");
    const result = await run(world, ["rollback"]);
    expect(result.code).to.equal(ExitCode.refused);
    expect(result.err).to.match(/no previous color/);
  });

  it("refuses when the previous color was redeployed since (it no longer holds the previous release)", async () => {
    const world = afterSwitchToGreen();
    world.deployed("blue", "d-NEW00003", "revisions/v3/bluegreen-revision.zip", "Succeeded");
    const result = await run(world, ["rollback"]);
    expect(result.code).to.equal(ExitCode.refused);
    expect(result.err).to.match(/blue no longer holds a verified release \(blue was deployed again \(d-NEW00003, Succeeded\) after verification of d-LIVE00001\)/);
    expect(world.count("ELB.ModifyListener")).to.equal(0);
  });

  it("refuses when the previous color is unhealthy, and --force rolls back anyway", async () => {
    const world = afterSwitchToGreen();
    world.health.blue = ["unhealthy", "healthy"];
    const refusedRun = await run(world, ["rollback"]);
    expect(refusedRun.code).to.equal(ExitCode.refused);
    expect(refusedRun.err).to.match(/blue is not healthy \(1 healthy, 1 unhealthy\)/);

    const forced = await run(world, ["rollback", "--force"]);
    expect(forced.code).to.equal(ExitCode.ok);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("--to picks the color explicitly (e.g. a split listener with no recorded switch)", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 70, green: 30 };
    const result = await run(world, ["rollback", "--to", "blue"]);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("refuses when the listener changed between its read and its update", async () => {
    const world = afterSwitchToGreen();
    let describes = 0;
    world.before = (command) => {
      if (command === "DescribeListeners" && ++describes === 2) world.listeners[PRODUCTION_LISTENER] = { blue: 50, green: 50 };
    };
    const result = await run(world, ["rollback"]);
    expect(result.code).to.equal(ExitCode.refused);
    expect(world.count("ELB.ModifyListener")).to.equal(0);
  });
});
