/**
 * The release path on an ordinary day in production, when AWS scales, alarms and changes under
 * the tool (issue 8, "Why"): one `describe` per defect found, each written to fail on the tool as
 * it was before the fix.
 */
import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { PRODUCTION_LISTENER, World, awsError, instanceTarget, targetGroupArn } from "./fake-aws";
import { run } from "./run";
import { afterSwitchToGreen, bundleFile, recordProductionWrites, switchV2 } from "./stories";

const V2_KEY = "revisions/v2/bluegreen-revision.zip";
const V3_KEY = "revisions/v3/bluegreen-revision.zip";

describe("release on a moving world", () => {
  describe("verification survives the Auto Scaling group's own deployments (creator autoscaling)", () => {
    it("switch moves traffic to an idle color that scaled out after verify", async () => {
      const world = World.betweenReleases("blue");
      world.scaledOut("green");
      const result = await switchV2(world);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    });

    it("rollback returns to a color that scaled out while it was live", async () => {
      const world = afterSwitchToGreen();
      world.scaledOut("blue");
      world.scaledOut("blue");
      const result = await run(world, ["rollback"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    });

    it("watch --rollback rolls back (exit 1), not 'needs a human' (exit 4), after the old color scaled out", async () => {
      const world = afterSwitchToGreen();
      world.scaledOut("blue");
      world.alarms["bluegreen-staging-5xx"] = "ALARM";
      const result = await run(world, ["watch", "--duration", "180", "--rollback"]);
      expect(result.code, result.err).to.equal(ExitCode.checkFailed);
      expect(result.err).to.include("watch failed on green; rolled back");
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    });

    it("still refuses when a deployment since verification is the Auto Scaling group's, but of another upload", async () => {
      const world = afterSwitchToGreen();
      world.scaledOut("blue");
      // Someone re-uploaded the key and redeployed it; the group's launches now install that object.
      const reuploaded = world.putObject("revisions/v1/bluegreen-revision.zip", "other bytes");
      const asg = world.deployments[world.lastAttempted.blue!]!.info;
      asg.revision = { revisionType: "S3", s3Location: { ...asg.revision!.s3Location, version: reuploaded.versionId, eTag: reuploaded.eTag } };
      const result = await run(world, ["rollback"]);
      expect(result.code).to.equal(ExitCode.refused);
      expect(result.err).to.match(/blue no longer holds a verified release/);
    });
  });

  describe("capacity handoff: traffic moves only onto a fleet sized for it", () => {
    it("raises the idle color to the live color's in-service capacity and waits until it is ready before moving any weight", async () => {
      const world = World.betweenReleases("blue", { blue: 4, green: 1 });
      const writes = recordProductionWrites(world);
      const result = await switchV2(world);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      const raise = world.inputsOf("AutoScaling.UpdateAutoScalingGroup").find((i) => i.AutoScalingGroupName === "bluegreen-staging-green");
      expect(raise).to.deep.include({ MinSize: 4, DesiredCapacity: 4 });
      // Every step happened with four healthy green targets (the ones launched in `initial` first).
      expect(writes.map((w) => w.weights)).to.deep.equal(["90/10", "50/50", "0/100"]);
      for (const write of writes) expect(write.green).to.deep.equal(["healthy", "healthy", "healthy", "healthy"]);
      const out = result.out.join("\n");
      expect(out).to.match(/green capacity: 1\/4 ready/);
      expect(out).to.match(/green capacity: 4\/4 ready/);
      // Launches register after 180 s and pass their health checks 30 s later: the handoff waited for them.
      expect(result.elapsedMs).to.be.at.least(210_000 + 3 * 180_000);
    });

    it("keeps the capacity of the color losing traffic (min held) until watch ends, then returns it to its configured minimum", async () => {
      const world = World.betweenReleases("blue", { blue: 4, green: 1 });
      const switched = await switchV2(world);
      expect(switched.code, switched.err).to.equal(ExitCode.ok);
      expect(world.groups.blue.min, "blue held").to.equal(4);
      expect(world.groups.green.min, "green, now live, back to its configured minimum").to.equal(1);
      // If no tool runs again, a scheduled action returns blue to its configured minimum.
      const [scheduled] = world.inputsOf("AutoScaling.PutScheduledUpdateGroupAction").filter((i) => i.AutoScalingGroupName === "bluegreen-staging-blue");
      expect(scheduled).to.deep.include({ MinSize: 1 });
      expect(Object.keys(world.groups.blue.scheduled)).to.have.length(1);
      expect(switched.out.join("\n")).to.match(/blue keeps 4 instances \(min held\) until watch ends/);

      const watched = await run(world, ["watch", "--duration", "300"]);
      expect(watched.code, watched.err).to.equal(ExitCode.ok);
      expect(world.groups.blue.min).to.equal(1);
      expect(world.groups.blue.scheduled).to.deep.equal({});
      expect(watched.out.join("\n")).to.include("blue returns to its configured minimum of 1 (held at 4)");
    });

    it("the scheduled action returns the held color to its minimum at the hold's end even if no tool runs again", async () => {
      const world = World.betweenReleases("blue", { blue: 4, green: 1 });
      expect((await switchV2(world, "--hold", "3600")).code).to.equal(ExitCode.ok);
      world.nowMs += 3600_000;
      await run(world, ["status"]);
      expect(world.groups.blue.min).to.equal(1);
    });

    it("does not move traffic onto a color that does not reach the capacity in time (exit 1, holds released)", async () => {
      const world = World.betweenReleases("blue", { blue: 4, green: 1 });
      world.launchTiming.registerMs = 3_600_000;
      const result = await switchV2(world, "--capacity-timeout", "600");
      expect(result.code).to.equal(ExitCode.checkFailed);
      expect(result.err).to.match(/green has 1 of the 4 instances ready after 600s/);
      expect(world.count("ELB.ModifyListener")).to.equal(0);
      expect(world.groups.blue.min).to.equal(1);
      expect(world.groups.green.min).to.equal(1);
    });

    it("rollback says when the color it returns to has to scale first, and waits for it", async () => {
      const world = afterSwitchToGreen({ blue: 1, green: 4 });
      const writes = recordProductionWrites(world);
      const result = await run(world, ["rollback"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(result.out.join("\n")).to.include("blue has 1 of the 4 instances green has in service: scaling blue to 4 before moving traffic");
      expect(writes[0]!.weights).to.equal("100/0");
      expect(writes[0]!.blue).to.deep.equal(["healthy", "healthy", "healthy", "healthy"]);
    });

    it("rollback --force moves traffic at once and scales the color it returns to without waiting", async () => {
      const world = afterSwitchToGreen({ blue: 1, green: 4 });
      const writes = recordProductionWrites(world);
      const result = await run(world, ["rollback", "--force"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(writes[0]!.blue).to.deep.equal(["healthy"]);
      expect(world.groups.blue.desired).to.equal(4);
      expect(result.out.join("\n")).to.include("--force: moving traffic now");
    });
  });

  describe("target states: only `unhealthy`, or fewer healthy targets than required, fail a check", () => {
    it("a target in `initial` (a scale-out during the bake) is reported, not failed", async () => {
      const world = World.betweenReleases("blue");
      let launched = false;
      world.before = (command) => {
        if (command === "DescribeTargetHealth" && world.listeners[PRODUCTION_LISTENER]!.green === 10 && !launched) {
          launched = true;
          world.scaledOut("green", undefined, "initial");
        }
      };
      const result = await switchV2(world);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    });

    it("a `draining` target (scale-in) with enough healthy ones left is reported, not failed", async () => {
      const world = World.betweenReleases("blue", { blue: 2, green: 3 });
      world.before = (command) => {
        if (command === "DescribeTargetHealth" && world.listeners[PRODUCTION_LISTENER]!.green === 50) world.health.green[2] = "draining";
      };
      const result = await switchV2(world);
      expect(result.code, result.err).to.equal(ExitCode.ok);
    });

    it("fewer healthy targets than the capacity handed off fails the check and restores", async () => {
      const world = World.betweenReleases("blue");
      world.before = (command) => {
        if (command === "DescribeTargetHealth" && world.listeners[PRODUCTION_LISTENER]!.green === 10) world.health.green = ["healthy", "initial"];
      };
      const result = await switchV2(world);
      expect(result.code).to.equal(ExitCode.checkFailed);
      expect(result.err).to.match(/green has 1 healthy target, 2 required/);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    });

    it("watch passes while the live color scales in (a draining target)", async () => {
      const world = afterSwitchToGreen({ blue: 2, green: 3 });
      world.health.green[0] = "draining";
      const result = await run(world, ["watch", "--duration", "180"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
    });
  });

  describe("revisions are immutable: the S3 object's version and ETag", () => {
    it("upload prints the object's version id and ETag", async () => {
      const bundle = bundleFile("PK\u0003\u0004 fake zip");
      const world = World.betweenReleases("blue");
      const result = await run(world, ["upload", "--bundle", bundle, "--revision", `s3://bluegreen-staging-artifacts/${V3_KEY}`]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      const { versionId, eTag } = world.objects[V3_KEY]!;
      expect(result.out.join("\n")).to.include(`version ${versionId}, ETag ${eTag}`);
    });

    it("deploy names the object's version and ETag (without S3's quotes) in the deployment", async () => {
      const world = World.betweenReleases("blue");
      const { versionId, eTag } = world.putObject(V3_KEY, "v3 bundle");
      const result = await run(world, ["deploy", "--revision", `s3://bluegreen-staging-artifacts/${V3_KEY}`, "--poll", "5"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      const [create] = world.inputsOf("CodeDeploy.CreateDeployment");
      expect(create.revision.s3Location).to.deep.include({ bucket: "bluegreen-staging-artifacts", key: V3_KEY, version: versionId, eTag });
    });

    it("deploy deploys again when the key holds a new upload (another object version)", async () => {
      const world = World.betweenReleases("blue");
      world.putObject(V2_KEY, "rebuilt v2 bundle");
      const result = await run(world, ["deploy", "--revision", `s3://bluegreen-staging-artifacts/${V2_KEY}`, "--poll", "5"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.count("CodeDeploy.CreateDeployment")).to.equal(1);
    });

    it("verify does not count an instance proven by an earlier upload under the same key", async () => {
      const world = World.betweenReleases("blue");
      delete world.tags[targetGroupArn("green")];
      world.putObject(V2_KEY, "rebuilt v2 bundle");
      world.nextTargets = [instanceTarget("i-green1")]; // the new upload reached one instance only
      const deployed = await run(world, ["deploy", "--revision", `s3://bluegreen-staging-artifacts/${V2_KEY}`, "--poll", "5"]);
      expect(deployed.code, deployed.err).to.equal(ExitCode.ok);
      const result = await run(world, ["verify", "--version", "v2"]);
      expect(result.code).to.equal(ExitCode.checkFailed);
      expect(result.err).to.match(/green targets not proven[^\n]*\n\s+i-green0:80$/);
      expect(world.count("ELB.AddTags")).to.equal(0);
    });
  });

  describe("ListDeployments documents no order: deployments are sorted by creation time", () => {
    for (const order of ["oldest-first", "newest-first"] as const) {
      it(`verify reads back through scale-outs when ListDeployments answers ${order}`, async () => {
        const world = World.betweenReleases("blue");
        world.listDeploymentsOrder = order;
        const first = world.scaledOut("green", "d-ASG000003");
        world.scaledOut("green", "d-ASG000004");
        const result = await run(world, ["verify", "--version", "v2"]);
        expect(result.code, result.err).to.equal(ExitCode.ok);
        expect(first).to.equal("i-green2");
        expect(result.out.join("\n")).to.include("d-ASG000004 for 1, d-ASG000003 (autoscaling) for 1, d-IDLE00002 (user) for 2");
      });
    }
  });

  describe("listener reads may lag a ModifyListener for a while", () => {
    it("a restore right after a write waits out a lagging read instead of taking it for someone else's rollback", async () => {
      const world = World.betweenReleases("blue");
      world.listenerReadLagMs = 30_000;
      world.before = (command) => {
        if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 10) world.alarms["bluegreen-staging-5xx"] = "ALARM";
      };
      const result = await run(world, ["switch", "--version", "v2", "--bake", "180", "--interval", "10"]);
      expect(result.code).to.equal(ExitCode.checkFailed);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
      expect(result.err).to.include("production traffic is all on blue");
    });

    it("with --bake 0 (no alarm guards the new color) a lagging read after the write is not a concurrent change", async () => {
      const world = World.betweenReleases("blue");
      world.listenerReadLagMs = 5_000;
      world.alarms = { "bluegreen-staging-blue-target-5xx-rate": "OK" };
      const result = await run(world, ["switch", "--version", "v2", "--bake", "0"], { ROLLBACK_ALARM_NAMES: "bluegreen-staging-blue-target-5xx-rate" });
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    });
  });

  describe("a switch that cannot complete leaves production on one color and says which", () => {
    it("keeps trying to restore through throttling, then says where traffic is", async () => {
      const world = World.betweenReleases("blue");
      let throttled = 0;
      world.before = (command, input) => {
        if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 50) world.alarms["bluegreen-staging-5xx"] = "ALARM";
        const restoring = command === "ModifyListener" && input.DefaultActions[0].ForwardConfig.TargetGroups[0].Weight === 100;
        if (restoring && throttled++ < 2) throw Object.assign(new Error("Rate exceeded"), { name: "Throttling" });
      };
      const result = await switchV2(world);
      expect(result.code).to.equal(ExitCode.checkFailed);
      expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
      expect(result.err).to.match(/switch aborted: while 50% was on green[\s\S]*production traffic is all on blue/);
    });
  });

  describe("--bake must give the guarding alarms time to evaluate", () => {
    it("refuses (exit 2, before any change) a bake shorter than period × datapoints to alarm + one period, naming the alarm", async () => {
      const world = World.betweenReleases("blue");
      const result = await run(world, ["switch", "--version", "v2", "--bake", "30"]);
      expect(result.code).to.equal(ExitCode.usage);
      expect(result.err).to.match(/--bake 30 is shorter than alarm bluegreen-staging-5xx needs to reach ALARM: 2 datapoints of 60s plus one period of delay = 180s; use --bake 180 or more/);
      expect(world.calls.filter((c) => !/\.(Describe|Get|List)/.test(c))).to.deep.equal([]);
    });

    it("reads a metric-math alarm's period from its metrics", async () => {
      const world = World.betweenReleases("blue");
      world.alarmShapes["bluegreen-staging-latency"] = {
        EvaluationPeriods: 5,
        DatapointsToAlarm: 3,
        Metrics: [{ Id: "errors", MetricStat: { Period: 300, Stat: "Sum" } }, { Id: "rate", Expression: "100 * errors" }],
      };
      const result = await run(world, ["switch", "--version", "v2", "--bake", "600"]);
      expect(result.code).to.equal(ExitCode.usage);
      expect(result.err).to.include("alarm bluegreen-staging-latency needs to reach ALARM: 3 datapoints of 300s plus one period of delay = 1200s");
    });
  });

  describe("composite alarms in ROLLBACK_ALARM_NAMES are refused up front, naming the alarm", () => {
    const COMPOSITE = { ROLLBACK_ALARM_NAMES: "bluegreen-staging-5xx,bluegreen-staging-any" };

    it("a composite alarm CloudWatch shows (a caller allowed DescribeAlarms on *)", async () => {
      const world = World.betweenReleases("blue");
      world.compositeAlarms = { "bluegreen-staging-any": "OK" };
      world.compositeAlarmsVisible = true;
      const result = await run(world, ["switch", "--version", "v2", "--bake", "180"], COMPOSITE);
      expect(result.code).to.equal(ExitCode.usage);
      expect(result.err).to.match(/alarm bluegreen-staging-any is a composite alarm: ROLLBACK_ALARM_NAMES takes metric alarms only/);
      expect(world.count("ELB.ModifyListener")).to.equal(0);
    });

    it("a composite alarm the deploy role cannot read (it looks absent)", async () => {
      const world = World.betweenReleases("blue");
      world.compositeAlarms = { "bluegreen-staging-any": "OK" };
      const result = await run(world, ["switch", "--version", "v2", "--bake", "180"], COMPOSITE);
      expect(result.code).to.equal(ExitCode.usage);
      expect(result.err).to.match(/alarm bluegreen-staging-any does not exist, or is a composite alarm/);
    });

    it("watch refuses it too, before watching", async () => {
      const world = afterSwitchToGreen();
      world.compositeAlarms = { "bluegreen-staging-any": "ALARM" };
      world.compositeAlarmsVisible = true;
      const result = await run(world, ["watch", "--duration", "180"], COMPOSITE);
      expect(result.code).to.equal(ExitCode.usage);
      expect(result.elapsedMs).to.equal(0);
    });
  });

  describe("--version is checked against what ELB tags accept before any AWS call", () => {
    const bad: [string, Record<string, string | undefined>, RegExp][] = [
      ["--version with parentheses", { version: "v1 (rc)" }, /--version must be an ELB tag value: .*; got "v1 \(rc\)"/],
      ["RELEASE_VERSION over 256 characters", { RELEASE_VERSION: "v".repeat(257) }, /RELEASE_VERSION "v{10}… \(257 characters\)" cannot be an ELB tag value/],
      ["CI_COMMIT_SHA with a comma", { CI_COMMIT_SHA: "abc,def" }, /CI_COMMIT_SHA "abc,def" cannot be an ELB tag value/],
    ];
    for (const [what, given, message] of bad) {
      for (const command of ["verify", "switch"]) {
        it(`${command} refuses ${what} (exit 2, no AWS call)`, async () => {
          const world = World.betweenReleases("blue");
          const { version, ...env } = given;
          const result = await run(world, [command, ...(version ? ["--version", version] : [])], env);
          expect(result.code).to.equal(ExitCode.usage);
          expect(result.err).to.match(message).and.include("letters, digits, spaces and _ . : / = + - @");
          expect(world.calls).to.deep.equal([]);
        });
      }
    }

    it("accepts what tags accept: letters of any script, digits, spaces and _ . : / = + - @", async () => {
      const world = World.betweenReleases("blue");
      world.http["/version"] = { status: 200, body: '{"version":"Größe 2.0/rc-1+build=7 @main:_"}' };
      const result = await run(world, ["verify", "--version", "Größe 2.0/rc-1+build=7 @main:_"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
    });
  });

  describe("deploy never overlaps the idle color's instance refresh or CodeDeploy's own deployments there (issue 9)", () => {
    const DEPLOY = ["deploy", "--revision", `s3://bluegreen-staging-artifacts/${V2_KEY}`, "--poll", "30"];

    it("waits for the idle color's instance refresh, with progress, then deploys", async () => {
      const world = World.betweenReleases("blue");
      world.putObject(V2_KEY, "rebuilt v2 bundle");
      world.instanceRefreshes.green = ["InProgress", "InProgress", "Successful"];
      let refreshReadsBeforeCreate = -1;
      world.before = (command) => {
        if (command === "CreateDeployment") refreshReadsBeforeCreate = world.count("AutoScaling.DescribeInstanceRefreshes");
      };
      const result = await run(world, DEPLOY);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(refreshReadsBeforeCreate).to.equal(3);
      expect(result.out.join("\n")).to.include("green: instance refresh ir-0001 InProgress (50% done, 1 instance to update); waiting before deploying");
      // A refresh takes many polls: the same progress is printed once a minute, not at every poll.
      expect(result.out.filter((line) => line.includes("waiting before deploying"))).to.have.lengthOf(1);
    });

    /** CodeDeploy's own deployment (creator autoscaling) to an instance green is launching, running for `polls` reads. */
    const automaticDeploymentRunning = (world: World, polls: number) => {
      world.scaledOut("green", "d-ASG000001");
      const deployment = world.deployments["d-ASG000001"]!;
      deployment.info.status = "InProgress";
      deployment.script = [...Array<"InProgress">(polls).fill("InProgress"), "Succeeded"];
    };

    // Issue 9: an instance refresh's replacements and the group's scale-outs get CodeDeploy's own
    // deployments (creator autoscaling); deploy refused them as "busy" (exit 3) although they end
    // by themselves within minutes, and an OS image update's `deploy` runs right after one.
    it("waits for CodeDeploy's own deployment to a launched instance, with progress, then deploys", async () => {
      const world = World.betweenReleases("blue");
      world.putObject(V2_KEY, "rebuilt v2 bundle");
      automaticDeploymentRunning(world, 2);
      const result = await run(world, DEPLOY);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.count("CodeDeploy.CreateDeployment")).to.equal(1);
      expect(world.deployments["d-ASG000001"]!.info.status).to.equal("Succeeded");
      expect(result.out.join("\n")).to.match(/green: CodeDeploy's automatic deployment d-ASG000001 \(autoscaling\) InProgress on the instances the group launched; waiting before deploying \(\d+s\)/);
    });

    it("waits when CodeDeploy starts its own deployment between the tool's read and its CreateDeployment", async () => {
      const world = World.betweenReleases("blue");
      world.putObject(V2_KEY, "rebuilt v2 bundle");
      let refusedOnce = false;
      world.before = (command) => {
        if (command !== "CreateDeployment" || refusedOnce) return;
        refusedOnce = true;
        automaticDeploymentRunning(world, 1);
        throw awsError("DeploymentLimitExceededException", "The Deployment Group 'bluegreen-staging-green' already has an active Deployment 'd-ASG000001'");
      };
      const result = await run(world, DEPLOY);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.count("CodeDeploy.CreateDeployment")).to.equal(2);
      expect(result.out.join("\n")).to.include("green: CodeDeploy's automatic deployment d-ASG000001 (autoscaling) InProgress");
    });

    it("gives up waiting for an automatic deployment after --timeout without deploying (exit 1)", async () => {
      const world = World.betweenReleases("blue");
      world.putObject(V2_KEY, "rebuilt v2 bundle");
      automaticDeploymentRunning(world, 100);
      const result = await run(world, [...DEPLOY, "--timeout", "300"]);
      expect(result.code).to.equal(ExitCode.checkFailed);
      expect(result.err).to.match(/green: CodeDeploy's automatic deployment d-ASG000001 \(autoscaling\) still InProgress after 300s/);
      expect(world.count("CodeDeploy.CreateDeployment")).to.equal(0);
    });

    it("gives up after --timeout without deploying (exit 1)", async () => {
      const world = World.betweenReleases("blue");
      world.instanceRefreshes.green = ["InProgress"];
      const result = await run(world, [...DEPLOY, "--timeout", "300"]);
      expect(result.code).to.equal(ExitCode.checkFailed);
      expect(result.err).to.match(/green: instance refresh ir-0001 still InProgress after 300s/);
      expect(world.count("CodeDeploy.CreateDeployment")).to.equal(0);
    });
  });
});
