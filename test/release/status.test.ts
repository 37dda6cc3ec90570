import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { PRODUCTION_LISTENER, World } from "./fake-aws";
import { run } from "./run";

describe("release status", () => {
  it("shows live and idle color, both listeners, health, last deployments and verification", async () => {
    const world = World.betweenReleases("blue");
    world.health.green = ["healthy", "unhealthy"];
    const result = await run(world, ["status"]);
    expect(result.code).to.equal(ExitCode.ok);
    const out = result.out.join("\n");
    expect(out).to.include("production listener: blue 100 / green 0 -> live blue, idle green");
    expect(out).to.include("test listener:       blue 0 / green 100 -> green");
    const { versionId, eTag } = world.objects["revisions/v1/bluegreen-revision.zip"]!;
    expect(out).to.include(
      `blue   targets 2 healthy; last deployment d-LIVE00001 Succeeded s3://bluegreen-staging-artifacts/revisions/v1/bluegreen-revision.zip (version ${versionId}, ETag ${eTag}); verified v1 (d-LIVE00001)`,
    );
    expect(out).to.include("       capacity 2 in service, 0 launching (desired 2, min 1, max 4)");
    expect(out).to.include("green  targets 1 healthy, 1 unhealthy; last deployment d-IDLE00002 Succeeded");
    expect(world.count("ELB.ModifyListener") + world.count("ELB.AddTags")).to.equal(0);
  });

  it("shows a color held for a release and when its hold ends", async () => {
    const world = World.betweenReleases("green", { blue: 4, green: 4 });
    world.groups.blue.min = 4;
    world.groups.blue.scheduled["bluegreen-release-hold-end"] = { StartTime: new Date("2026-11-22T13:00:00Z"), MinSize: 1 };
    const result = await run(world, ["status"]);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(result.out.join("\n")).to.include(
      "capacity 4 in service, 0 launching (desired 4, min 4, max 4; held for a release, configured min 1, returns at 2026-11-22T13:00:00.000Z)",
    );
  });

  it("reports groups the tool cannot size (not tagged with their configured capacity yet) and carries on", async () => {
    const world = World.betweenReleases("blue");
    world.groups.green.tags = {};
    const result = await run(world, ["status"]);
    expect(result.code, result.err).to.equal(ExitCode.ok);
    expect(result.out.join("\n")).to.include("capacity unknown: Auto Scaling group bluegreen-staging-green has no bluegreen:min-size tag");
  });

  it("reports a split listener and a color never deployed to", async () => {
    const world = new World();
    world.listeners[PRODUCTION_LISTENER] = { blue: 50, green: 50 };
    const result = await run(world, ["status"]);
    expect(result.code).to.equal(ExitCode.ok);
    expect(result.out.join("\n")).to.include("traffic split").and.include("no deployment yet; not verified");
  });
});
