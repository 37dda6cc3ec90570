import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { PRODUCTION_LISTENER, World } from "./fake-aws";
import { run } from "./run";
import { bundleFile } from "./stories";

describe("release watch", () => {
  it("passes when the live color stays clean for the whole period", async () => {
    const world = World.betweenReleases("blue");
    const result = await run(world, ["watch", "--duration", "180", "--interval", "15"]);
    expect(result.code).to.equal(ExitCode.ok);
    expect(result.elapsedMs).to.equal(180_000);
    // The alarms read once up front (metric alarms only), then every 15 s.
    expect(world.count("CloudWatch.DescribeAlarms")).to.equal(13);
  });

  // Issue 9: a watch shorter than its alarms need to reach ALARM ends "clean" and releases the old
  // color's hold before any alarm could have judged the new one; the same rule as switch's --bake.
  it("refuses a --duration shorter than the live color's alarms need to reach ALARM (exit 2, nothing read beyond the alarms)", async () => {
    const world = World.betweenReleases("blue");
    world.alarmShapes["bluegreen-staging-latency"] = { Period: 60, EvaluationPeriods: 5, DatapointsToAlarm: 4 };
    const result = await run(world, ["watch", "--duration", "240", "--rollback"]);
    expect(result.code).to.equal(ExitCode.usage);
    expect(result.err).to.equal(
      "release watch: --duration 240 is shorter than alarm bluegreen-staging-latency needs to reach ALARM: 4 datapoints of 60s plus one period of delay = 300s; use --duration 300 or more",
    );
    expect(world.calls).to.deep.equal(["ELB.DescribeListeners", "CloudWatch.DescribeAlarms"]);
  });

  it("fails on an alarm and, with --rollback, puts traffic back on the previous color", async () => {
    const world = World.betweenReleases("green");
    world.tags[PRODUCTION_LISTENER] = { "bluegreen:rollback-color": "blue" };
    world.before = (command) => {
      if (command === "DescribeAlarms" && world.count("CloudWatch.DescribeAlarms") === 3) world.alarms["bluegreen-staging-latency"] = "ALARM";
    };
    const result = await run(world, ["watch", "--duration", "300", "--rollback"]);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(result.err).to.include("watch failed on green; rolled back");
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("exits 4 (needs a human) when --rollback cannot roll back, traffic still on the failing color", async () => {
    const world = World.betweenReleases("green");
    world.tags[PRODUCTION_LISTENER] = { "bluegreen:rollback-color": "blue" };
    // blue was redeployed since its verification: rollback refuses to serve an unverified release.
    world.deployed("blue", "d-NEWER0003", "revisions/v3/bluegreen-revision.zip");
    world.alarms["bluegreen-staging-5xx"] = "ALARM";
    const result = await run(world, ["watch", "--duration", "180", "--rollback"]);
    expect(result.code).to.equal(ExitCode.manualInterventionRequired);
    expect(result.err).to.match(/watch found problems on green, which takes production traffic, AND rolling back failed: blue no longer holds a verified release/);
    expect(result.err).to.include("alarm bluegreen-staging-5xx is in ALARM");
    expect(result.err).to.include("traffic is still on green");
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
  });

  it("ignores the idle color's alarms (named <app>-<stack>-<color>-<metric>)", async () => {
    const world = World.betweenReleases("green");
    world.alarms = { "bluegreen-staging-blue-p99-latency": "ALARM", "bluegreen-staging-green-p99-latency": "OK" };
    const result = await run(world, ["watch", "--duration", "180"], { ROLLBACK_ALARM_NAMES: "bluegreen-staging-blue-p99-latency,bluegreen-staging-green-p99-latency" });
    expect(result.code, result.err).to.equal(ExitCode.ok);
  });

  it("without --rollback only reports", async () => {
    const world = World.betweenReleases("green");
    world.alarms["bluegreen-staging-5xx"] = "ALARM";
    const result = await run(world, ["watch", "--duration", "180"]);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(world.count("ELB.ModifyListener")).to.equal(0);
  });

  it("watches a deliberate canary: the color the recorded switch moves traffic to", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 90, green: 10 };
    world.tags[PRODUCTION_LISTENER] = { "bluegreen:rollback-color": "blue" };
    const result = await run(world, ["watch", "--duration", "180", "--rollback"]);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(result.out[0]).to.include("watching the canary (blue 90 / green 10) green for 180s");
    expect(result.out.at(-1)).to.include("green stayed clean for 180s; finish the canary");
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 90, green: 10 });
  });

  it("rolls a failing canary back to the color the switch started from", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 90, green: 10 };
    world.tags[PRODUCTION_LISTENER] = { "bluegreen:rollback-color": "blue" };
    world.health.green = ["healthy", "unhealthy"];
    const result = await run(world, ["watch", "--duration", "180", "--rollback"]);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(result.err).to.include("watch failed on green; rolled back");
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  it("refuses a split with no switch recorded", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 90, green: 10 };
    expect((await run(world, ["watch"])).code).to.equal(ExitCode.refused);
  });
});

describe("release upload", () => {
  it("puts the bundle into the stack's artifact bucket", async () => {
    const bundle = bundleFile("PK\u0003\u0004 fake zip");
    const world = World.betweenReleases("blue");
    const result = await run(world, ["upload", "--bundle", bundle, "--revision", "s3://bluegreen-staging-artifacts/revisions/v3/bluegreen-revision.zip"]);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(world.calls).to.deep.equal(["S3.HeadObject", "S3.PutObject"]);
    expect(result.out[0]).to.match(/to s3:\/\/bluegreen-staging-artifacts\/revisions\/v3\/bluegreen-revision.zip \(version v\S+, ETag [0-9a-f]{32}\)$/);
  });

  // Found by test/scenarios/retried-deploy-job.test.ts: a deploy job retried after its release went
  // live uploaded the same bundle again, and the version the live color's group deploys to every
  // instance it launches became noncurrent, which the bucket's lifecycle expires.
  describe("when the key's current version already holds the bundle", () => {
    const REVISION = "s3://bluegreen-staging-artifacts/revisions/v3/bluegreen-revision.zip";
    it("leaves it current instead of adding a version", async () => {
      const world = World.betweenReleases("blue");
      const current = world.putObject("revisions/v3/bluegreen-revision.zip", "PK\u0003\u0004 v3 zip");
      const result = await run(world, ["upload", "--bundle", bundleFile("PK\u0003\u0004 v3 zip"), "--revision", REVISION]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.calls).to.deep.equal(["S3.HeadObject"]);
      expect(world.objects["revisions/v3/bluegreen-revision.zip"]).to.deep.equal(current);
      expect(result.out[0]).to.equal(
        `${REVISION} (version ${current.versionId}, ETag ${current.eTag}) already holds this bundle: not uploading it again, so the version deployments name stays current`,
      );
    });

    it("uploads a bundle that differs from it", async () => {
      const world = World.betweenReleases("blue");
      const current = world.putObject("revisions/v3/bluegreen-revision.zip", "PK\u0003\u0004 v3 zip");
      const result = await run(world, ["upload", "--bundle", bundleFile("PK\u0003\u0004 v3 zip, rebuilt"), "--revision", REVISION]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      // No group's last successful deployment uses the version it replaces.
      expect(world.calls).to.deep.equal([
        "S3.HeadObject",
        "CodeDeploy.GetDeploymentGroup",
        "CodeDeploy.GetDeployment",
        "CodeDeploy.GetDeploymentGroup",
        "CodeDeploy.GetDeployment",
        "S3.PutObject",
      ]);
      expect(world.objects["revisions/v3/bluegreen-revision.zip"]!.versionId).to.not.equal(current.versionId);
    });
  });

  // DESIGN decision 13: nothing expires a revision a group's last successful deployment uses. A
  // different bundle under that key would make the group's version noncurrent, and the bucket's
  // lifecycle expires noncurrent versions while the group's launches still install it.
  it("refuses (exit 3) to replace the object version a group's last successful deployment uses", async () => {
    const world = World.betweenReleases("blue");
    const key = "revisions/v1/bluegreen-revision.zip";
    const live = world.objects[key];
    const bundle = bundleFile("PK\u0003\u0004 v1 zip, built again with other bytes");
    const result = await run(world, ["upload", "--bundle", bundle, "--revision", `s3://bluegreen-staging-artifacts/${key}`]);
    expect(result.code, result.err).to.equal(ExitCode.refused);
    expect(result.err).to.include(`blue's last successful deployment d-LIVE00001 installs version ${live!.versionId}`).and.include("upload under a new key");
    expect(world.calls).to.not.include("S3.PutObject");
    expect(world.objects[key]).to.deep.equal(live);
  });

  it("refuses a missing bundle file as bad usage, naming it, before calling AWS", async () => {
    const world = World.betweenReleases("blue");
    const result = await run(world, ["upload", "--bundle", "/nonexistent/bundle.zip", "--revision", "s3://bluegreen-staging-artifacts/x.zip"]);
    expect(result.code).to.equal(ExitCode.usage);
    expect(result.err).to.equal('release upload: --bundle must be a readable file; got "/nonexistent/bundle.zip" (ENOENT)');
    expect(world.calls).to.deep.equal([]);
  });
});
