import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { PRODUCTION_LISTENER, TEST_LISTENER, World } from "./fake-aws";
import { run } from "./run";

/** Fails the n-th AWS call (1-based) of a run with an AWS-style error. */
function failCall(world: World, n: number) {
  let count = 0;
  world.before = (command) => {
    if (++count === n) throw Object.assign(new Error(`injected failure of ${command}`), { name: "ServiceUnavailable" });
  };
}

const SWITCH = ["switch", "--version", "v2", "--steps", "10,50,100", "--bake", "180", "--interval", "90"];
const blueLive = { blue: 100, green: 0 };
const greenLive = { blue: 0, green: 100 };

/**
 * A failed call fails the run (exit 1), except one that only returns a held group to its
 * configured minimum after traffic moved: that is reported as a warning (the hold-end action
 * returns it at its time) and the run's own result stands.
 */
function expectFailedOrWarned(result: { code: number; err: string; out: string[] }, call: string, what: string) {
  if (result.code === ExitCode.ok) {
    expect(result.out.join("\n"), what).to.include(`warning: could not return`).and.include(`injected failure of ${call}`);
    return;
  }
  expect(result.code, what).to.equal(ExitCode.checkFailed);
  expect(result.err, what).to.include(`injected failure of ${call}`);
}

describe("release: an AWS failure at every single call, then a re-run", () => {
  // Green needs one more instance than it has: the switch raises it, so every call of the capacity
  // handoff is in the list too.
  const happy = World.betweenReleases("blue", { blue: 3, green: 2 });
  const happyCalls = (async () => {
    await run(happy, SWITCH);
    return happy.calls;
  })();

  it("switch never leaves traffic split, and a re-run completes it", async () => {
    const calls = await happyCalls;
    expect(calls).to.include.members(["AutoScaling.UpdateAutoScalingGroup", "AutoScaling.PutScheduledUpdateGroupAction", "AutoScaling.DeleteScheduledAction"]);
    for (let n = 1; n <= calls.length; n++) {
      const world = World.betweenReleases("blue", { blue: 3, green: 2 });
      failCall(world, n);
      const failed = await run(world, SWITCH);
      expectFailedOrWarned(failed, calls[n - 1]!.split(".")[1]!, `failing call ${n} (${calls[n - 1]})`);
      // Either all traffic is back on blue, or (failure after the last step) all of it is on green.
      expect([blueLive, greenLive], `call ${n}: ${JSON.stringify(world.listeners[PRODUCTION_LISTENER])}`).to.deep.include(
        world.listeners[PRODUCTION_LISTENER],
      );

      world.before = () => {};
      const rerun = await run(world, SWITCH);
      expect(rerun.code, `re-run after failing call ${n}: ${rerun.err}`).to.equal(ExitCode.ok);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal(greenLive);
      expect(world.listeners[TEST_LISTENER]).to.deep.equal(blueLive);
    }
  });

  it("rollback either moves all traffic or none, and a re-run completes it", async () => {
    const afterSwitch = () => {
      const world = World.betweenReleases("blue");
      world.listeners[PRODUCTION_LISTENER] = greenLive;
      world.listeners[TEST_LISTENER] = blueLive;
      world.tags[PRODUCTION_LISTENER] = { "bluegreen:rollback-color": "blue" };
      return world;
    };
    const probe = afterSwitch();
    await run(probe, ["rollback"]);
    for (let n = 1; n <= probe.calls.length; n++) {
      const world = afterSwitch();
      failCall(world, n);
      const failed = await run(world, ["rollback"]);
      expectFailedOrWarned(failed, probe.calls[n - 1]!.split(".")[1]!, `failing call ${n} (${probe.calls[n - 1]})`);
      expect([blueLive, greenLive]).to.deep.include(world.listeners[PRODUCTION_LISTENER]);

      world.before = () => {};
      expect((await run(world, ["rollback"])).code, `re-run after failing call ${n}`).to.equal(ExitCode.ok);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal(blueLive);
      expect(world.listeners[TEST_LISTENER]).to.deep.equal(greenLive);
    }
  });

  it("deploy fails cleanly at every call, and a re-run neither duplicates nor loses the deployment", async () => {
    const argv = ["deploy", "--revision", "s3://bluegreen-staging-artifacts/revisions/v3/bluegreen-revision.zip", "--poll", "5"];
    const uploaded = () => {
      const world = World.betweenReleases("blue");
      world.putObject("revisions/v3/bluegreen-revision.zip");
      return world;
    };
    const probe = uploaded();
    await run(probe, argv);
    for (let n = 1; n <= probe.calls.length; n++) {
      const world = uploaded();
      failCall(world, n);
      expect((await run(world, argv)).code, `failing call ${n}`).to.equal(ExitCode.checkFailed);
      world.before = () => {};
      expect((await run(world, argv)).code, `re-run after failing call ${n}`).to.equal(ExitCode.ok);
      expect(world.count("CodeDeploy.CreateDeployment"), `call ${n}`).to.be.at.most(1 + (probe.calls[n - 1] === "CodeDeploy.CreateDeployment" ? 1 : 0));
      expect(world.lastSuccessful.green, `call ${n}`).to.match(/^d-NEW/);
    }
  });

  it("verify records nothing when any call fails, and a re-run records it", async () => {
    const probe = World.betweenReleases("blue");
    delete probe.tags[probe.context().outputs.green.targetGroupArn];
    await run(probe, ["verify"]);
    for (let n = 1; n <= probe.calls.length; n++) {
      const world = World.betweenReleases("blue");
      const greenTg = world.context().outputs.green.targetGroupArn;
      delete world.tags[greenTg];
      failCall(world, n);
      expect((await run(world, ["verify"])).code, `failing call ${n}`).to.equal(ExitCode.checkFailed);
      expect(world.tags[greenTg], `call ${n}`).to.equal(undefined);
      world.before = () => {};
      expect((await run(world, ["verify"])).code).to.equal(ExitCode.ok);
      expect(world.tags[greenTg]!["bluegreen:verified-version"]).to.equal("v2");
    }
  });
});
