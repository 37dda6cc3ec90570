/**
 * Shared by the hook suites: what a host serves, what PM2 runs, and traffic through nginx while
 * a deployment runs.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ConstantLoad, shapesFor, type Sample } from "../../bench/load";
import { buildBundle } from "../../scripts/bundle/build";
import { restampRevision, unpackRevision, type DeployResult, type Sandbox } from "../../scripts/sandbox";

export async function servedVersion(url: string): Promise<string> {
  const res = await fetch(`${url}/version`, { signal: AbortSignal.timeout(2_000) });
  return ((await res.json()) as { version: string }).version;
}

export interface Pm2Process {
  name: string;
  status: string;
  pid: number;
  restarts: number;
}

export function pm2Processes(sandbox: Sandbox): Pm2Process[] {
  const list = JSON.parse(execFileSync(sandbox.env.PM2_BIN ?? "pm2", ["jlist"], { env: sandbox.env, encoding: "utf8" })) as {
    name: string;
    pid: number;
    pm2_env: { status: string; restart_time: number };
  }[];
  return list.map((proc) => ({ name: proc.name, status: proc.pm2_env.status, pid: proc.pid, restarts: proc.pm2_env.restart_time }));
}

export function outputOf(result: DeployResult): string {
  return result.runs.map((run) => `--- ${run.event} (exit ${run.code})\n${run.output}`).join("\n");
}

/** Every process directly and the path through nginx serve `version`. */
export async function expectServing(sandbox: Sandbox, version: string): Promise<void> {
  for (const port of sandbox.appPorts) expect(await servedVersion(`http://127.0.0.1:${port}`), `port ${port}`).to.equal(version);
  expect(await servedVersion(sandbox.nginxUrl), "through nginx").to.equal(version);
  expect(basename(readlinkSync(sandbox.currentLink))).to.equal(version);
}

export interface Traffic {
  samples: Sample[];
  failures: string[];
  /** Responses per served version. */
  versions: Record<string, number>;
}

/**
 * Run `action` under reads (GET /version) and writes (POST /items) through nginx, most over
 * keep-alive connections, at `ratePerSecond`; every answer is checked once the action is done.
 */
export async function underTraffic<T>(sandbox: Sandbox, action: () => Promise<T>, ratePerSecond = 80): Promise<{ result: T; traffic: Traffic }> {
  const load = new ConstantLoad({
    baseUrl: sandbox.nginxUrl,
    shapes: shapesFor("mix", "/version"),
    ratePerSecond,
    nonKeepAliveEvery: 4,
    timeoutMs: 10_000,
    maxRequests: 100_000,
  });
  load.start();
  let result: T;
  try {
    result = await action();
  } finally {
    await load.stop();
  }
  const versions: Record<string, number> = {};
  for (const sample of load.samples) if (sample.version) versions[sample.version] = (versions[sample.version] ?? 0) + 1;
  const failures = load.samples.filter((sample) => !sample.ok).map((sample) => `${sample.method} at ${Math.round(sample.atMs)} ms: ${sample.failure}`);
  return { result, traffic: { samples: load.samples, failures, versions } };
}

/** No request failed, and enough went through for that to mean something. */
export function expectNoFailures(traffic: Traffic): void {
  expect(traffic.samples.length, "requests sent").to.be.above(50);
  expect(traffic.failures, `${traffic.failures.length} of ${traffic.samples.length} requests failed`).to.deep.equal([]);
}

let revisionBase: Promise<{ work: string; base: string }> | undefined;

/**
 * One bundle built by `npm run bundle`'s code and unpacked like the CodeDeploy agent does, shared
 * by the suites of this process (building takes seconds); `revision(version)` restamps a copy.
 */
export function sharedRevisions(): { revision: (version: string) => Promise<string> } {
  revisionBase ??= (async () => {
    const work = mkdtempSync(join(tmpdir(), "bluegreen-revisions-"));
    process.once("exit", () => rmSync(work, { recursive: true, force: true }));
    await buildBundle({ outFile: join(work, "revision.zip"), version: "base", commit: "test" });
    return { work, base: unpackRevision(join(work, "revision.zip"), join(work, "base")) };
  })();
  const pending = revisionBase;
  let copies = 0;
  return {
    revision: async (version) => {
      const { work, base } = await pending;
      return restampRevision(base, join(work, `${version}-${++copies}-${process.hrtime.bigint()}`), { version, commit: `commit-${version}` });
    },
  };
}
