import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { MAX_LOOKBACK } from "../../release/instance-proof";
import { PRODUCTION_LISTENER, TEST_LISTENER, World, instanceTarget, targetGroupArn } from "./fake-aws";
import { run } from "./run";

describe("release verify", () => {
  it("checks the idle color and records the verification on its target group", async () => {
    const world = World.betweenReleases("blue");
    delete world.tags[targetGroupArn("green")];
    const result = await run(world, ["verify", "--version", "v2"]);
    expect(result.code).to.equal(ExitCode.ok);
    expect(world.tags[targetGroupArn("green")]).to.deep.equal({
      "bluegreen:verified-version": "v2",
      "bluegreen:verified-deployment": "d-IDLE00002",
      "bluegreen:verified-at": "2026-11-22T12:00:00.000Z",
    });
    expect(result.out.join("\n")).to.include("green verified for v2 (deployment d-IDLE00002)");
    expect(world.count("ELB.ModifyListener")).to.equal(0);
    // The latest deployment proved every target: no need to read back through the group's history.
    expect(world.count("CodeDeploy.ListDeployments")).to.equal(0);
  });

  it("takes the expected version from the commit SHA by default and matches the commit field", async () => {
    const world = World.betweenReleases("blue");
    const result = await run(world, ["verify"], { CI_COMMIT_SHA: "0123abc" });
    expect(result.code).to.equal(ExitCode.ok);
    expect(world.tags[targetGroupArn("green")]!["bluegreen:verified-version"]).to.equal("0123abc");
  });

  it("points the test listener at the idle color first if it is not", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[TEST_LISTENER] = { blue: 100, green: 0 };
    const result = await run(world, ["verify"]);
    expect(result.code).to.equal(ExitCode.ok);
    expect(world.listeners[TEST_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
  });

  const failures: [string, (world: World) => void, RegExp][] = [
    ["an unhealthy target", (w) => (w.health.green = ["healthy", "unhealthy"]), /green targets not ready \(1 healthy, 1 unhealthy\)[\s\S]*i-green1:80 unhealthy \(Target.ResponseCodeMismatch/],
    ["no healthy target (all still in their first checks)", (w) => (w.health.green = ["initial", "initial"]), /green targets not ready \(0 healthy, 2 initial\):\n\s+has 0 healthy targets, 1 required/],
    ["no registered targets", (w) => (w.health.green = []), /no targets registered/],
    ["/health/deep not 200", (w) => (w.http["/health/deep"] = { status: 503, body: '{"status":"unavailable"}' }), /\/health\/deep answered 503/],
    ["another version served", (w) => (w.http["/version"] = { status: 200, body: '{"version":"v1","commit":"0999"}' }), /serves \{"version":"v1".*expected version v2/],
    ["/version not JSON", (w) => (w.http["/version"] = { status: 200, body: "<html>" }), /serves <html>, expected version v2/],
    [
      "a target the last deployment did not succeed on (the ALB still serves the right /version)",
      (w) => (w.health.green = ["healthy", "healthy", "initial"]),
      /green targets not proven by deployment d-IDLE00002 or an earlier deployment of its revision \(not a Succeeded instance of the newest one that targeted them; redeploy the whole group, see the runbook\):\n\s+i-green2:80$/,
    ],
    [
      "a target that failed the last deployment",
      (w) => (w.deployments["d-IDLE00002"]!.targets[0] = instanceTarget("i-green0", "Failed")),
      /green targets not proven by deployment d-IDLE00002[^\n]*\n\s+i-green0:80$/,
    ],
    ["the last deployment failed", (w) => w.deployed("green", "d-FAILED003", "revisions/v2/bluegreen-revision.zip", "Failed"), /green has no successful latest deployment \(last attempted d-FAILED003, Failed\)/],
  ];
  for (const [what, breakIt, message] of failures) {
    it(`fails (exit 1) and records nothing on ${what}`, async () => {
      const world = World.betweenReleases("blue");
      delete world.tags[targetGroupArn("green")];
      breakIt(world);
      const result = await run(world, ["verify"]);
      expect(result.code).to.equal(ExitCode.checkFailed);
      expect(result.err).to.match(message);
      expect(world.count("ELB.AddTags")).to.equal(0);
    });
  }

  describe("after the Auto Scaling group launched an instance (CodeDeploy deployed the same revision to it alone)", () => {
    const V2 = "revisions/v2/bluegreen-revision.zip";
    const V3 = "revisions/v3/bluegreen-revision.zip";

    it("counts the earlier deployment of that revision for the older instances and records the latest deployment", async () => {
      const world = World.betweenReleases("blue");
      delete world.tags[targetGroupArn("green")];
      const launched = world.scaledOut("green", "d-ASG000003");
      expect(launched).to.equal("i-green2");
      const result = await run(world, ["verify", "--version", "v2"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      // switch's staleness check compares against the group's latest deployment.
      expect(world.tags[targetGroupArn("green")]!["bluegreen:verified-deployment"]).to.equal("d-ASG000003");
      expect(result.out.join("\n")).to.include(
        "green: every target is a Succeeded instance of d-ASG000003 for 1, d-IDLE00002 (user) for 2, all of one revision",
      );
    });

    it("keeps going back through several scale-outs of the same revision", async () => {
      const world = World.betweenReleases("blue");
      world.scaledOut("green", "d-ASG000003");
      world.scaledOut("green", "d-ASG000004");
      world.scaledOut("green", "d-ASG000005");
      const result = await run(world, ["verify", "--version", "v2"]);
      expect(result.code, result.err).to.equal(ExitCode.ok);
      expect(world.tags[targetGroupArn("green")]!["bluegreen:verified-deployment"]).to.equal("d-ASG000005");
    });

    const unproven: [string, (world: World) => void, string[]][] = [
      [
        "an instance only a deployment of another revision covers",
        (w) => {
          w.deployed("green", "d-V3000003", V3);
          w.deployments["d-V3000003"]!.targets = [instanceTarget("i-green1")];
          w.scaledOut("green", "d-ASG000004");
        },
        ["i-green0:80"],
      ],
      [
        "instances the same revision proved before a deployment of another revision touched the group",
        (w) => {
          w.deployed("green", "d-V3000003", V3, "Failed");
          w.deployments["d-V3000003"]!.targets = [instanceTarget("i-green0", "Failed")];
          w.scaledOut("green", "d-ASG000004"); // the Auto Scaling group deploys the last successful revision: v2
        },
        ["i-green0:80", "i-green1:80"],
      ],
      [
        "an instance in no deployment",
        (w) => {
          w.scaledOut("green", "d-ASG000003");
          w.health.green = [...w.health.green, "healthy"];
        },
        ["i-green3:80"],
      ],
      [
        "an instance the newest deployment of the revision that targeted it failed on (an older one succeeded)",
        (w) => {
          w.deployed("green", "d-AGAIN0003", V2);
          w.deployments["d-AGAIN0003"]!.targets[0] = instanceTarget("i-green0", "Failed");
          w.scaledOut("green", "d-ASG000004");
        },
        ["i-green0:80"],
      ],
      [
        "instances proven only by a deployment further back than the look-back bound",
        (w) => {
          for (let i = 0; i < MAX_LOOKBACK; i++) w.scaledOut("green", `d-ASG00${1000 + i}`);
        },
        ["i-green0:80", "i-green1:80"],
      ],
    ];
    for (const [what, shapeIt, targets] of unproven) {
      it(`fails (exit 1) and records nothing on ${what}`, async () => {
        const world = World.betweenReleases("blue");
        delete world.tags[targetGroupArn("green")];
        shapeIt(world);
        const latest = world.lastSuccessful.green!;
        const result = await run(world, ["verify", "--version", "v2"]);
        expect(result.code).to.equal(ExitCode.checkFailed);
        const lines = result.err.trimEnd().split("\n");
        const at = lines.findIndex((l) => l.includes("targets not proven by deployment"));
        expect(lines[at]).to.include(`green targets not proven by deployment ${latest} or an earlier deployment of its revision`);
        expect(lines.slice(at + 1).map((l) => l.trim())).to.deep.equal(targets);
        expect(world.count("ELB.AddTags")).to.equal(0);
      });
    }
  });

  it("refuses while production traffic is split", async () => {
    const world = World.betweenReleases("blue");
    world.listeners[PRODUCTION_LISTENER] = { blue: 50, green: 50 };
    expect((await run(world, ["verify"])).code).to.equal(ExitCode.refused);
  });
});
