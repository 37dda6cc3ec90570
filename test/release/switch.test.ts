import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { PRODUCTION_LISTENER, TEST_LISTENER, World, targetGroupArn } from "./fake-aws";
import { run } from "./run";
import { ROLLBACK_TAG, recordProductionWrites, switchV2 } from "./stories";

describe("release switch", () => {
  it("moves traffic 10 → 50 → 100, baking between steps, then points the test listener at the old color", async () => {
    const world = World.betweenReleases("blue");
    const steps = recordProductionWrites(world);
    const result = await switchV2(world);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(steps.map((w) => w.weights)).to.deep.equal(["90/10", "50/50", "0/100"]);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    expect(world.tags[PRODUCTION_LISTENER]![ROLLBACK_TAG]).to.equal("blue");
    expect(result.elapsedMs).to.equal(540_000);
    // The bake's length against the alarms, then before each step and every 60 s of each 180 s bake: 1 + 3 + 3 × 3.
    expect(world.count("CloudWatch.DescribeAlarms")).to.equal(13);
    expect(result.out.at(-1)).to.include("switch complete: green is live with v2, blue is idle");
  });

  // Found by the whole-lifecycle scenario (test/scenarios/whole-lifecycle.test.ts): on a first
  // release green had no app until minutes before, and its unhealthy-hosts alarm, evaluating those
  // minutes' late datapoints, turned ALARM after the switch's first check, aborting the switch.
  it("starts moving traffic only once the new color's alarms judge minutes since it was verified", async () => {
    const world = World.betweenReleases("blue");
    const verifiedAt = world.nowMs - 60_000;
    world.tags[targetGroupArn("green")]!["bluegreen:verified-at"] = new Date(verifiedAt).toISOString();
    let firstMoveAt: number | undefined;
    world.before = (command, input) => {
      if (command === "ModifyListener" && input.ListenerArn === PRODUCTION_LISTENER) firstMoveAt ??= world.nowMs;
    };
    const result = await switchV2(world);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    // The alarms look back 3 periods of 60 s, plus one period for late datapoints.
    expect(firstMoveAt! - verifiedAt).to.be.at.least(240_000);
    expect(result.out.join("\n")).to.match(/green was verified 60s ago: waiting 180s before moving traffic/);
  });

  it("switches back the other way (green → blue) with custom steps", async () => {
    const world = World.betweenReleases("green");
    const steps = recordProductionWrites(world);
    const result = await run(world, ["switch", "--steps", "25,100", "--bake", "180"]);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(steps.map((w) => w.weights)).to.deep.equal(["25/75", "100/0"]);
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
  });

  describe("refuses (exit 3, listener untouched) when the idle color is not verified", () => {
    const cases: [string, (world: World) => void, RegExp][] = [
      ["never verified", (w) => delete w.tags[targetGroupArn("green")], /green has never been verified/],
      ["verified for another version", (w) => (w.tags[targetGroupArn("green")]!["bluegreen:verified-version"] = "v1"), /green was verified for v1, not v2/],
      [
        "redeployed since verification",
        (w) => w.deployed("green", "d-NEW00009", "revisions/v3/bluegreen-revision.zip", "InProgress"),
        /green was deployed again \(d-NEW00009, InProgress\) after verification of d-IDLE00002/,
      ],
    ];
    for (const [what, setUp, message] of cases) {
      it(what, async () => {
        const world = World.betweenReleases("blue");
        setUp(world);
        const result = await switchV2(world);
        expect(result.code).to.equal(ExitCode.refused);
        expect(result.err).to.match(message).and.match(/Run verify first/);
        expect(world.count("ELB.ModifyListener")).to.equal(0);
        expect(world.tags[PRODUCTION_LISTENER]).to.equal(undefined);
      });
    }
  });

  it("does not start when a rollback alarm is already firing", async () => {
    const world = World.betweenReleases("blue");
    world.alarms["bluegreen-staging-5xx"] = "ALARM";
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(result.err).to.match(/switch aborted: before moving 10% to green:\n\s+alarm bluegreen-staging-5xx is in ALARM: Threshold Crossed/);
    expect(world.count("ELB.ModifyListener")).to.equal(0);
  });

  it("refuses up front (exit 2, a stack output naming no usable alarm) when a configured alarm does not exist", async () => {
    const world = World.betweenReleases("blue");
    delete world.alarms["bluegreen-staging-latency"];
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.usage);
    expect(result.err).to.include("alarm bluegreen-staging-latency does not exist, or is a composite alarm");
    expect(world.count("ELB.ModifyListener") + world.count("AutoScaling.UpdateAutoScalingGroup")).to.equal(0);
  });

  it("fails closed when a configured alarm disappears during the switch", async () => {
    const world = World.betweenReleases("blue");
    world.before = (command) => {
      if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 50) delete world.alarms["bluegreen-staging-latency"];
    };
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(result.err).to.include("alarm bluegreen-staging-latency does not exist");
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("rolls back mid-switch when an alarm fires during the 50% bake, restoring blue 100 / green 0", async () => {
    const world = World.betweenReleases("blue");
    const steps = recordProductionWrites(world);
    const previous = world.before;
    world.before = (command, input) => {
      previous(command, input);
      if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 50) world.alarms["bluegreen-staging-5xx"] = "ALARM";
    };
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(steps.map((w) => w.weights)).to.deep.equal(["90/10", "50/50", "100/0"]);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    // The test listener stays on green (still idle) for investigation.
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    expect(result.err).to.match(/switch aborted: while 50% was on green:\n\s+alarm bluegreen-staging-5xx is in ALARM/);
    expect(result.out.join("\n")).to.include("restored production listener to blue 100 / green 0");
  });

  describe("checks the alarms of the color receiving traffic and those of no color, not the color left", () => {
    // Named as infra/monitoring.ts names them.
    const COLORED = {
      ROLLBACK_ALARM_NAMES: "bluegreen-staging-blue-target-5xx-rate,bluegreen-staging-green-target-5xx-rate,bluegreen-staging-alb-5xx",
    };
    const colored = (firing: string) => {
      const world = World.betweenReleases("blue");
      world.alarms = { "bluegreen-staging-blue-target-5xx-rate": "OK", "bluegreen-staging-green-target-5xx-rate": "OK", "bluegreen-staging-alb-5xx": "OK" };
      world.alarms[firing] = "ALARM";
      return world;
    };

    it("switches away from a color whose own alarm fires", async () => {
      const world = colored("bluegreen-staging-blue-target-5xx-rate");
      const result = await run(world, ["switch", "--bake", "180"], COLORED);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    });

    for (const firing of ["bluegreen-staging-green-target-5xx-rate", "bluegreen-staging-alb-5xx"]) {
      it(`aborts on ${firing}`, async () => {
        const result = await run(colored(firing), ["switch", "--bake", "180"], COLORED);
        expect(result.code).to.equal(ExitCode.checkFailed);
        expect(result.err).to.include(`alarm ${firing} is in ALARM`);
      });
    }
  });

  it("restores when a target of the new color turns unhealthy before the next step", async () => {
    const world = World.betweenReleases("blue");
    world.before = (command) => {
      if (command === "DescribeTargetHealth" && world.listeners[PRODUCTION_LISTENER]!.green === 10) world.health.green = ["healthy", "unhealthy"];
    };
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(result.err).to.match(/while 10% was on green:\n\s+green target i-green1:80 unhealthy \(Target.ResponseCodeMismatch/);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("restores after an unexpected AWS error mid-switch, keeping the AWS error", async () => {
    const world = World.betweenReleases("blue");
    world.before = (command) => {
      if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 50) {
        throw Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
      }
    };
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(result.err).to.include("Throttling: Rate exceeded");
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("exits 4 (needs a human) when restoring fails too", async () => {
    const world = World.betweenReleases("blue");
    world.before = (command) => {
      if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 10) world.alarms["bluegreen-staging-5xx"] = "ALARM";
      if (command === "ModifyListener" && world.alarms["bluegreen-staging-5xx"] === "ALARM") {
        throw Object.assign(new Error("not authorized to perform elasticloadbalancing:ModifyListener"), { name: "AccessDenied" });
      }
    };
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.manualInterventionRequired);
    expect(result.err).to.match(/AND restoring all traffic to blue failed: not authorized[\s\S]*run `npm run release -- rollback` now/);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 90, green: 10 });
  });

  it("refuses without touching anything when another run changed the listener (concurrency check)", async () => {
    const world = World.betweenReleases("blue");
    let describes = 0;
    world.before = (command) => {
      // Another run moves the listener between our read after step 1's bake and our guarded write of step 2.
      if (command === "DescribeListeners" && ++describes === 4) world.listeners[PRODUCTION_LISTENER] = { blue: 0, green: 100 };
    };
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.refused);
    expect(result.err).to.match(/changed under this run: expected blue 90 \/ green 10, found blue 0 \/ green 100/);
    expect(world.count("ELB.ModifyListener")).to.equal(1);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
  });

  it("refuses (exit 3) after an operator rolled back during the last bake, and leaves the test listener alone", async () => {
    const world = World.betweenReleases("blue");
    world.before = (command) => {
      if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 100) world.listeners[PRODUCTION_LISTENER] = { blue: 100, green: 0 };
    };
    const result = await switchV2(world, "--steps", "100");
    expect(result.code).to.equal(ExitCode.refused);
    expect(result.err).to.match(/changed under this run: expected blue 0 \/ green 100, found blue 100 \/ green 0/);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    expect(result.out.join("\n")).not.to.include("switch complete");
  });

  it("refuses (exit 3), not restores, when an operator rolled back during a bake that found an alarm", async () => {
    const world = World.betweenReleases("blue");
    world.before = (command) => {
      if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 10) {
        world.alarms["bluegreen-staging-5xx"] = "ALARM";
        world.listeners[PRODUCTION_LISTENER] = { blue: 100, green: 0 };
      }
    };
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.refused);
    expect(world.count("ELB.ModifyListener")).to.equal(1);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("counts an operator's rollback just before a failed check as the restore (exit 1, not 4)", async () => {
    const world = World.betweenReleases("blue");
    world.before = (command) => {
      // The check before step 2 (after the bake's length check, step 1's pre-check and its one
      // bake check) sees the alarm that made an operator roll back a moment earlier.
      if (command === "DescribeAlarms" && world.count("CloudWatch.DescribeAlarms") === 4) {
        world.alarms["bluegreen-staging-5xx"] = "ALARM";
        world.listeners[PRODUCTION_LISTENER] = { blue: 100, green: 0 };
      }
    };
    const result = await switchV2(world, "--interval", "180");
    expect(result.code, result.err).to.equal(ExitCode.checkFailed);
    expect(result.err).to.match(/switch aborted: before moving 50% to green/);
    expect(result.out.join("\n")).to.include("already has all traffic on blue (rolled back by someone else); nothing to restore");
    expect(world.count("ELB.ModifyListener")).to.equal(1);
  });

  // A killed job runs no cleanup: these start from the state such a crash leaves behind.
  it("resumes after a crash half-way and finishes from the weights the listener holds", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 50, green: 50 };
    world.tags[PRODUCTION_LISTENER] = { [ROLLBACK_TAG]: "blue" };
    const steps = recordProductionWrites(world);
    const result = await switchV2(world);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(steps.map((w) => w.weights)).to.deep.equal(["0/100"]);
    expect(result.out[0]).to.equal("resuming the switch blue -> green at blue 50 / green 50");
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("a resumed switch that fails restores the color the switch started from", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 50, green: 50 };
    world.tags[PRODUCTION_LISTENER] = { [ROLLBACK_TAG]: "blue" };
    world.health.green = ["unhealthy", "healthy"];
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("after a crash between the last step and the test listener, a re-run only fixes the test listener", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 0, green: 100 };
    world.tags[PRODUCTION_LISTENER] = { [ROLLBACK_TAG]: "blue" };
    const steps = recordProductionWrites(world);
    const result = await switchV2(world);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(steps.map((w) => w.weights)).to.deep.equal([]);
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    expect(result.out.join("\n")).to.include("green already takes all production traffic with v2");
  });

  it("is a no-op when re-run after it completed", async () => {
    const world = World.betweenReleases("blue");
    expect((await switchV2(world)).code).to.equal(ExitCode.ok);
    const modifies = world.count("ELB.ModifyListener");
    const again = await switchV2(world);
    expect(again.code).to.equal(ExitCode.ok);
    expect(world.count("ELB.ModifyListener")).to.equal(modifies);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
  });

  it("holds a canary at 10% and finishes on a later run", async () => {
    const world = World.betweenReleases("blue");
    const canary = await switchV2(world, "--steps", "10");
    expect(canary.code).to.equal(ExitCode.ok);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 90, green: 10 });
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    expect(canary.out.at(-1)).to.match(/canary holds at blue 90 \/ green 10/);

    const steps = recordProductionWrites(world);
    const rest = await switchV2(world, "--steps", "10,50,100");
    expect(rest.code, rest.err).to.equal(ExitCode.ok);
    expect(steps.map((w) => w.weights)).to.deep.equal(["50/50", "0/100"]);
  });

  it("refuses a split listener with no recorded switch", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 70, green: 30 };
    const result = await switchV2(world);
    expect(result.code).to.equal(ExitCode.refused);
    expect(result.err).to.match(/no switch is recorded on the listener/);
  });
});
