import { expect } from "chai";
import { ExitCode } from "../../release/errors";
import { PRODUCTION_LISTENER, World } from "./fake-aws";
import { run } from "./run";

/**
 * One release end to end against the mocked AWS: status → switch → status → rollback → status.
 * `SHOW_TRANSCRIPT=1 npx mocha test/release/transcript.test.ts` prints what a job log would show.
 */
/** Runs commands against one world, recording them as a job log would show them. */
function recorder(world: World) {
  const transcript: string[] = [];
  const step = async (argv: string[]) => {
    const callsBefore = world.calls.length;
    const result = await run(world, argv, { CI_COMMIT_SHA: "v2" });
    transcript.push(`$ npm run release -- ${argv.join(" ")}`, ...result.out, ...(result.err ? [result.err] : []));
    transcript.push(`[exit ${result.code}; ${world.calls.length - callsBefore} AWS calls]`, "");
    return { ...result, calls: world.calls.slice(callsBefore) };
  };
  const show = () => {
    if (process.env.SHOW_TRANSCRIPT) console.log(`\n${transcript.join("\n")}`);
  };
  return { transcript, step, show };
}

describe("release: status / switch / rollback end to end", () => {
  it("switches to green step by step and rolls back to blue in one listener update", async () => {
    const world = World.betweenReleases("blue");
    const { transcript, step, show } = recorder(world);

    expect((await step(["status"])).code).to.equal(ExitCode.ok);
    expect((await step(["switch", "--steps", "10,50,100", "--bake", "180", "--interval", "60"])).code).to.equal(ExitCode.ok);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 0, green: 100 });
    await step(["status"]);
    const rollback = await step(["rollback"]);
    expect(rollback.code).to.equal(ExitCode.ok);
    // 10 calls, and 3 more to end blue's capacity hold once it is live again.
    expect(rollback.calls).to.have.length(13);
    expect(rollback.calls.indexOf("ELB.ModifyListener")).to.equal(6);
    expect(rollback.calls.filter((c) => c === "ELB.ModifyListener")).to.have.length(2);
    transcript.splice(transcript.length - 1, 0, `rollback AWS calls: ${rollback.calls.join(", ")}`);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    await step(["status"]);
    show();
  });

  it("a switch stopped by an alarm at 50% puts all traffic back on blue by itself", async () => {
    const world = World.betweenReleases("blue");
    const previous = world.before;
    world.before = (command, input) => {
      previous(command, input);
      if (command === "DescribeAlarms" && world.listeners[PRODUCTION_LISTENER]!.green === 50) world.alarms["bluegreen-staging-5xx"] = "ALARM";
    };
    const { step, show } = recorder(world);
    expect((await step(["switch", "--bake", "180", "--interval", "60"])).code).to.equal(ExitCode.checkFailed);
    expect(world.listeners[PRODUCTION_LISTENER]).to.deep.equal({ blue: 100, green: 0 });
    await step(["status"]);
    show();
  });
});
