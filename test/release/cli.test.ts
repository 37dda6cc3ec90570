import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { ENV, PRODUCTION_LISTENER, World, targetGroupArn } from "./fake-aws";
import { run } from "./run";

describe("release: command line", () => {
  it("prints usage with --help", async () => {
    const result = await run(World.betweenReleases(), ["--help"]);
    expect(result.code).to.equal(ExitCode.ok);
  });

  const usage: [string[], RegExp][] = [
    [[], /no command given; commands: status, upload, deploy, verify, switch, rollback, watch/],
    [["launch"], /unknown command "launch"/],
    [["status", "extra"], /^release status: unexpected argument "extra"/],
    [["status", "--steps", "10"], /^release status: unknown flag --steps; release status takes --debug, --help$/],
    [["switch", "--nope"], /unknown flag --nope; release switch takes --version, --steps, --bake, --interval/],
    [["switch", "--steps", "50,10"], /--steps must be ascending whole numbers from 1 to 100, comma-separated \(like 10,50,100\); got "50,10"/],
    [["switch", "--steps", "0,100"], /--steps must be ascending .*; got "0,100"/],
    [["switch", "--steps", "10,abc"], /--steps must be ascending .*; got "10,abc"/],
    [["switch", "--steps", "10", "--steps", "100"], /--steps given 2 times \("10", "100"\); it takes one value/],
    [["switch", "--bake", "soon"], /--bake must be whole seconds from 0 to 86400; got "soon"/],
    [["switch", "--interval", "0"], /--interval must be whole seconds from 1 to 3600; got "0"/],
    [["switch", "--version"], /--version needs a value: <v>/],
    [["deploy"], /--revision is required: s3:\/\/<bucket>\/<key>/],
    [["deploy", "--revision", "https://example.com/x.zip"], /--revision must be s3:\/\/<bucket>\/<key>; got "https:\/\/example.com\/x.zip"/],
    [["deploy", "--revision", "s3://someone-elses-bucket/x.zip"], /not the stack's artifact bucket/],
    [["deploy", "--revision", "s3://b/x.zip", "--poll", "0"], /--poll must be whole seconds from 1 to 300; got "0"/],
    [["deploy", "--revision", "s3://b/x.zip", "--timeout", "0"], /--timeout must be whole seconds from 1 to 86400; got "0"/],
    [["deploy", "--revision", "s3://b/x.zip", "--timeout", "10", "--poll", "30"], /--poll 30 must not exceed --timeout 10/],
    [["rollback", "--to", "red"], /--to must be blue or green; got "red"/],
    [["rollback", "--force=yes"], /--force takes no value; got "--force=yes"/],
    [["watch", "--duration", "x"], /--duration must be whole seconds from 1 to 86400; got "x"/],
    [["switch", "--hold", "30"], /--hold must be whole seconds from 60 to 604800; got "30"/],
    [["switch", "--capacity-timeout", "soon"], /--capacity-timeout must be whole seconds from 1 to 86400; got "soon"/],
    [["rollback", "--hold", "600"], /unknown flag --hold; release rollback takes/],
    [["verify", "--version", "v1 (rc)"], /--version must be an ELB tag value/],
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

  it("checks the flags before the stack outputs: a bad flag is named even with no outputs loaded", async () => {
    const noOutputs = Object.fromEntries(Object.keys(ENV).map((name) => [name, undefined]));
    for (const [argv, message] of [
      [["switch", "--steps", "10,abc"], /^release switch: --steps must be .*; got "10,abc"$/],
      [["rollback", "--to", "red"], /^release rollback: --to must be blue or green; got "red"$/],
      [["watch", "--duration", "x"], /^release watch: --duration must be .*; got "x"$/],
    ] as const) {
      const world = World.betweenReleases();
      const result = await run(world, [...argv], noOutputs);
      expect(result.code, result.err).to.equal(ExitCode.usage);
      expect(result.err).to.match(message);
      expect(world.calls).to.deep.equal([]);
    }
  });

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
    expect(result.err).to.equal(
      "release verify: TypeError: fetch failed\n  caused by Error: connect ETIMEDOUT 203.0.113.10:8443 (ETIMEDOUT)\n" +
        "release verify: unexpected error; re-run with --debug for the stack trace",
    );
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
