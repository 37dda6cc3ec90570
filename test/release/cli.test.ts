import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { PRODUCTION_LISTENER, World, targetGroupArn } from "./fake-aws";
import { run } from "./run";

describe("release: command line", () => {
  it("prints usage with --help", async () => {
    const result = await run(World.betweenReleases(), ["--help"]);
    expect(result.code).to.equal(ExitCode.ok);
  });

  const usage: [string[], RegExp][] = [
    [[], /no command/],
    [["launch"], /unknown command/],
    [["status", "extra"], /extra arguments/],
    [["status", "--steps", "10"], /status does not take --steps/],
    [["switch", "--nope"], /Unknown option '--nope'/],
    [["switch", "--steps", "50,10"], /--steps must be ascending percentages/],
    [["switch", "--steps", "0,100"], /--steps must be ascending/],
    [["switch", "--steps", "10,abc"], /--steps must be ascending/],
    [["switch", "--bake", "soon"], /--bake must be a whole number/],
    [["deploy"], /--revision is required/],
    [["deploy", "--revision", "https://example.com/x.zip"], /must look like s3:\/\//],
    [["deploy", "--revision", "s3://someone-elses-bucket/x.zip"], /not the stack's artifact bucket/],
    [["rollback", "--to", "red"], /--to must be blue or green/],
    [["switch", "--hold", "30"], /--hold must be at least 60 seconds, got 30/],
    [["switch", "--capacity-timeout", "soon"], /--capacity-timeout must be a whole number of seconds/],
    [["rollback", "--hold", "600"], /rollback does not take --hold/],
  ];
  for (const [argv, message] of usage) {
    it(`exits 2 on bad usage: ${argv.join(" ") || "(nothing)"}`, async () => {
      const world = World.betweenReleases();
      const result = await run(world, argv);
      expect(result.code).to.equal(ExitCode.usage);
      expect(result.err).to.match(message);
      expect(world.count("ELB.ModifyListener")).to.equal(0);
    });
  }

  it("exits 2 naming the variable when a stack output is missing, before calling AWS", async () => {
    const world = World.betweenReleases();
    const result = await run(world, ["status"], { ALB_LISTENER_ARN: undefined });
    expect(result.code).to.equal(ExitCode.usage);
    expect(result.err).to.include("ALB_LISTENER_ARN is not set");
    expect(world.calls).to.deep.equal([]);
  });

  it("exits 2 when no release version is known", async () => {
    const result = await run(World.betweenReleases(), ["verify"], { CI_COMMIT_SHA: undefined });
    expect(result.code).to.equal(ExitCode.usage);
    expect(result.err).to.match(/no release version/);
  });

  it("treats an empty RELEASE_VERSION as unset and falls back to CI_COMMIT_SHA", async () => {
    const world = World.betweenReleases();
    const result = await run(world, ["verify"], { RELEASE_VERSION: "", CI_COMMIT_SHA: "v2" });
    expect(result.code, result.err).to.equal(ExitCode.ok);
  });

  it("exits 1 with the AWS error's name on an AWS failure (e.g. missing permission)", async () => {
    const world = World.betweenReleases();
    world.before = (command) => {
      if (command === "DescribeListeners") {
        throw Object.assign(new Error("User: arn:aws:sts::123456789012:assumed-role/x is not authorized to perform: elasticloadbalancing:DescribeListeners"), {
          name: "AccessDenied",
        });
      }
    };
    const result = await run(world, ["status"]);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(result.err).to.match(/AccessDenied: User: .* is not authorized/);
  });

  it("prints the cause of a network failure (fetch keeps the reason only in error.cause)", async () => {
    const world = World.betweenReleases();
    const reason = Object.assign(new Error("connect ETIMEDOUT 203.0.113.10:8443"), { code: "ETIMEDOUT" });
    world.http["/health/deep"] = new TypeError("fetch failed", { cause: reason });
    const result = await run(world, ["verify"]);
    expect(result.code).to.equal(ExitCode.checkFailed);
    expect(result.err).to.equal("release: TypeError: fetch failed\n  caused by Error: connect ETIMEDOUT 203.0.113.10:8443 (ETIMEDOUT)");
  });

  it("refuses (exit 3) when the listener forwards to a target group that is not blue or green", async () => {
    const world = World.betweenReleases();
    world.rawActions[PRODUCTION_LISTENER] = [
      { Type: "forward", TargetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/old-blue/1" },
    ];
    const result = await run(world, ["status"]);
    expect(result.code).to.equal(ExitCode.refused);
    expect(result.err).to.match(/neither BLUE_TARGET_GROUP_ARN nor GREEN_TARGET_GROUP_ARN: was a target group replaced/);
  });

  it("reads a plain (unweighted) forward action as all traffic on that color", async () => {
    const world = World.betweenReleases();
    world.rawActions[PRODUCTION_LISTENER] = [{ Type: "forward", TargetGroupArn: targetGroupArn("blue") }];
    const result = await run(world, ["status"]);
    expect(result.code).to.equal(ExitCode.ok);
    expect(result.out.join("\n")).to.include("blue 100 / green 0 -> live blue, idle green");
  });
});
