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

const SWITCH = ["switch", "--version", "v2", "--steps", "10,50,100", "--bake", "20", "--interval", "10"];
const blueLive = { blue: 100, green: 0 };
const greenLive = { blue: 0, green: 100 };

describe("release: an AWS failure at every single call, then a re-run", () => {
  const happy = World.betweenReleases("blue");
  const happyCalls = (async () => {
    await run(happy, SWITCH);
    return happy.calls;
  })();

  it("switch never leaves traffic split, and a re-run completes it", async () => {
    const calls = await happyCalls;
    expect(calls.length).to.be.greaterThan(20);
    for (let n = 1; n <= calls.length; n++) {
      const world = World.betweenReleases("blue");
      failCall(world, n);
      const failed = await run(world, SWITCH);
      expect(failed.code, `failing call ${n} (${calls[n - 1]})`).to.equal(ExitCode.checkFailed);
      expect(failed.err, `call ${n}`).to.include(`injected failure of ${calls[n - 1]!.split(".")[1]}`);
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
    for (let n = 1; n <= 8; n++) {
      const world = World.betweenReleases("blue");
      world.listeners[PRODUCTION_LISTENER] = greenLive;
      world.listeners[TEST_LISTENER] = blueLive;
      world.tags[PRODUCTION_LISTENER] = { "bluegreen:rollback-color": "blue" };
      failCall(world, n);
      const failed = await run(world, ["rollback"]);
      expect(failed.code, `failing call ${n}`).to.equal(ExitCode.checkFailed);
      expect([blueLive, greenLive]).to.deep.include(world.listeners[PRODUCTION_LISTENER]);

      world.before = () => {};
      expect((await run(world, ["rollback"])).code, `re-run after failing call ${n}`).to.equal(ExitCode.ok);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal(blueLive);
      expect(world.listeners[TEST_LISTENER]).to.deep.equal(greenLive);
    }
  });

  it("deploy fails cleanly at every call, and a re-run neither duplicates nor loses the deployment", async () => {
    const argv = ["deploy", "--revision", "s3://bluegreen-staging-artifacts/revisions/v3/bluegreen-revision.zip", "--poll", "5"];
    const probe = World.betweenReleases("blue");
    await run(probe, argv);
    for (let n = 1; n <= probe.calls.length; n++) {
      const world = World.betweenReleases("blue");
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
