import { main } from "../../release/cli";
import type { ExitCode } from "../../release/errors";
import { ENV, type World } from "./fake-aws";

export interface RunResult {
  code: ExitCode;
  /** Progress lines (stdout) and error lines (stderr), as a CI job log would show them. */
  out: string[];
  err: string;
  elapsedMs: number;
}

/** Runs the release CLI against the fake world, as `npm run release -- <argv>` would in a job. */
export async function run(world: World, argv: string[], env: Record<string, string | undefined> = {}): Promise<RunResult> {
  const err: string[] = [];
  let ctx: ReturnType<World["context"]> | undefined;
  const code = await main(argv, {
    env: { ...ENV, CI_COMMIT_SHA: "v2", ...env },
    log: () => {},
    error: (line) => err.push(line),
    context: (outputs) => (ctx = world.context(outputs)),
  });
  return { code, out: ctx?.lines ?? [], err: err.join("\n"), elapsedMs: ctx?.clock.elapsedMs ?? 0 };
}
