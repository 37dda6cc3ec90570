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
    expect(out).to.include("blue   targets 2/2 healthy; last deployment d-LIVE00001 Succeeded s3://bluegreen-staging-artifacts/revisions/v1/bluegreen-revision.zip; verified v1 (d-LIVE00001)");
    expect(out).to.include("green  targets 1/2 healthy; last deployment d-IDLE00002 Succeeded");
    expect(world.count("ELB.ModifyListener") + world.count("ELB.AddTags")).to.equal(0);
  });

  it("reports a split listener and a color never deployed to", async () => {
    const world = new World();
    world.listeners[PRODUCTION_LISTENER] = { blue: 50, green: 50 };
    const result = await run(world, ["status"]);
    expect(result.code).to.equal(ExitCode.ok);
    expect(result.out.join("\n")).to.include("traffic split").and.include("no deployment yet; not verified");
  });
});
