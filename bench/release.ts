/**
 * `npm run bench:release -- --releases <n> [--method GET|POST|mix] [--json] [--naive]` (flags: BENCH_RELEASE below)
 *
 * Builds the bundle, deploys it into a sandbox host (real nginx + PM2, high ports, temp dir),
 * puts constant HTTP load through nginx and releases n successive versions under it, with the
 * CodeDeploy hooks (default) or the naive way (--naive). The load reads (GET /), writes
 * (POST /items with a JSON body) or alternates both (--method, default GET). Steady state is
 * measured in a window before and one after the releases.
 * stdout: one JSON object {"releases","requests","failed","p50Ms","p99Ms","steadyP99Ms"} with
 * --json, else a short table; progress on stderr. The per-second series for the chart goes to
 * .bench/<mode>.json. Bounded by --max-seconds and --max-requests; localhost only.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { command } from "../cli/command";
import { integer, oneOf, seconds, toggle, type Values } from "../cli/flags";
import { CommandFailure, exitWith, runCommand } from "../cli/run";
import { buildBundle, REPO_ROOT } from "../scripts/bundle/build";
import { restampRevision, Sandbox, unpackRevision } from "../scripts/sandbox";
import { ConstantLoad, LOAD_METHODS, shapesFor, type LoadMethod, type Sample } from "./load";
import { naiveRelease } from "./naive";
import { percentile, roundMs, sortedCopy } from "./stats";

export type Mode = "bluegreen" | "naive";

export interface Summary {
  releases: number;
  requests: number;
  failed: number;
  p50Ms: number;
  p99Ms: number;
  steadyP99Ms: number;
  method: LoadMethod;
  /** Failed requests of the release phase per HTTP method (every method sent appears, 0 included). */
  failedByMethod: Record<string, number>;
  /** Wall time of each release, in seconds. */
  releaseSeconds: number[];
}

/** One second of the release phase, for the chart. */
export interface SecondBucket {
  second: number;
  requests: number;
  failed: number;
  failedByMethod: Record<string, number>;
  p99Ms: number;
}

export interface SeriesFile {
  mode: Mode;
  method: LoadMethod;
  summary: Summary;
  ratePerSecond: number;
  /** Start and end of each release, seconds since the release phase began. */
  releases: { startS: number; endS: number }[];
  seconds: SecondBucket[];
  failures: Record<string, number>;
}

export const BENCH_RELEASE = command({
  name: "bench:release",
  invocation: "npm run bench:release --",
  summary: "Release n versions into a sandbox host (real nginx + PM2 on localhost) under constant HTTP load and measure failed requests and latency.",
  flags: {
    releases: integer("how many successive releases", { min: 1, max: 100 }).default(10),
    json: toggle('print one JSON object {"releases","requests","failed","p50Ms","p99Ms","steadyP99Ms","method","failedByMethod","releaseSeconds"} instead of a line'),
    naive: toggle("release the naive way (pm2 restart all + nginx restart) instead of with the hooks"),
    method: oneOf(LOAD_METHODS, "what the load sends: reads (GET /), writes (POST /items with a JSON body) or both alternately", "<method>").default("GET"),
    rate: integer("requests per second through nginx", { min: 1, max: 5000 }).default(700),
    "steady-seconds": seconds("length of each steady-state window before and after the releases", { min: 1, max: 600 }).default(10),
    "max-seconds": seconds("stop releasing after this long", { min: 1, max: 3600 }).default(600),
    "max-requests": integer("stop the load after this many requests", { min: 1, max: 1_000_000 }).default(300_000),
  },
  notes: ["Bounded by --max-seconds and --max-requests; localhost only. Progress on stderr; the per-second series for the chart goes to .bench/<mode>.json."],
  exitCodes: { 0: "measured", 1: "a release failed in the sandbox, or a host tool (nginx, PM2) is missing", 2: "bad usage" },
});

const WARMUP_MS = 2_000;
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function window(samples: Sample[], fromMs: number, toMs: number): Sample[] {
  return samples.filter((sample) => sample.atMs >= fromMs && sample.atMs < toMs);
}

function failedByMethod(samples: Sample[], methods: string[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(methods.map((name) => [name, 0]));
  for (const sample of samples) if (!sample.ok) counts[sample.method] = (counts[sample.method] ?? 0) + 1;
  return counts;
}

function perSecond(samples: Sample[], fromMs: number, methods: string[]): SecondBucket[] {
  const buckets = new Map<number, Sample[]>();
  for (const sample of samples) {
    const second = Math.floor((sample.atMs - fromMs) / 1000);
    const bucket = buckets.get(second);
    if (bucket) bucket.push(sample);
    else buckets.set(second, [sample]);
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([second, bucket]) => ({
      second,
      requests: bucket.length,
      failed: bucket.filter((sample) => !sample.ok).length,
      failedByMethod: failedByMethod(bucket, methods),
      p99Ms: roundMs(percentile(sortedCopy(bucket.map((sample) => sample.latencyMs)), 99)),
    }));
}

async function main(values: Values<typeof BENCH_RELEASE.flags>): Promise<number> {
  const { releases: releaseCount, rate, "steady-seconds": steadySeconds, "max-seconds": maxSeconds, "max-requests": maxRequests } = values;
  const { method } = values;
  const mode: Mode = values.naive ? "naive" : "bluegreen";
  const progress = (message: string): void => void process.stderr.write(`[bench ${mode}] ${message}\n`);
  const work = mkdtempSync(join(tmpdir(), "bluegreen-bench-"));
  const sandbox = await Sandbox.create({ keepReleases: 3 });
  const stopAll = (): void => {
    sandbox.stop();
    rmSync(work, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    stopAll();
    process.exit(130);
  });
  try {
    progress(`building the bundle; sandbox ${sandbox.dir}, nginx :${sandbox.listenPort}, app ${sandbox.appPorts.join(",")}`);
    await buildBundle({ outFile: join(work, "revision.zip"), version: "bench-base" });
    const base = unpackRevision(join(work, "revision.zip"), join(work, "base"));
    const revision = (i: number): string => restampRevision(base, join(work, `r${i}`), { version: `bench-${i}`, commit: "bench" });

    const first = await sandbox.deploy(revision(0));
    if (!first.ok) throw new CommandFailure(`first install failed in ${first.failedEvent}:\n${first.runs.at(-1)?.output}`, 1);

    const load = new ConstantLoad({ baseUrl: sandbox.nginxUrl, shapes: shapesFor(method), ratePerSecond: rate, nonKeepAliveEvery: 4, timeoutMs: 5_000, maxRequests });
    const deadlineMs = maxSeconds * 1000;
    load.start();
    progress(`load ${rate} req/s of ${method} through nginx (1 in 4 without keep-alive); steady window ${steadySeconds}s`);
    await sleep(WARMUP_MS + steadySeconds * 1000);
    const steadyEndMs = load.nowMs();

    const releaseWindows: { startS: number; endS: number }[] = [];
    for (let i = 1; i <= releaseCount && load.nowMs() < deadlineMs && !load.exhausted; i++) {
      const startMs = load.nowMs();
      if (mode === "naive") {
        await naiveRelease(sandbox, revision(i), `bench-${i}`);
      } else {
        const result = await sandbox.deploy(revision(i));
        if (!result.ok) throw new CommandFailure(`release ${i} failed in ${result.failedEvent}:\n${result.runs.at(-1)?.output}`, 1);
      }
      const endMs = load.nowMs();
      releaseWindows.push({ startS: (startMs - steadyEndMs) / 1000, endS: (endMs - steadyEndMs) / 1000 });
      progress(`release ${i}/${releaseCount} done in ${((endMs - startMs) / 1000).toFixed(1)}s, ${load.samples.length} responses so far`);
    }
    const releasesEndMs = load.nowMs();
    // A second steady window after the releases: on a shared machine, noise from elsewhere
    // then weighs on the baseline as much as on the release phase.
    await sleep(steadySeconds * 1000);
    const afterEndMs = load.nowMs();
    await load.stop();

    const steadySamples = [...window(load.samples, WARMUP_MS, steadyEndMs), ...window(load.samples, releasesEndMs, afterEndMs)];
    const steady = sortedCopy(steadySamples.map((sample) => sample.latencyMs));
    const during = window(load.samples, steadyEndMs, releasesEndMs);
    const duringLatency = sortedCopy(during.map((sample) => sample.latencyMs));
    const methods = [...new Set(shapesFor(method).map((shape) => shape.method))];
    const failures: Record<string, number> = {};
    for (const sample of during) {
      if (sample.failure) failures[`${sample.method} ${sample.failure}`] = (failures[`${sample.method} ${sample.failure}`] ?? 0) + 1;
    }
    const summary: Summary = {
      releases: releaseWindows.length,
      requests: during.length,
      failed: during.filter((sample) => !sample.ok).length,
      p50Ms: roundMs(percentile(duringLatency, 50)),
      p99Ms: roundMs(percentile(duringLatency, 99)),
      steadyP99Ms: roundMs(percentile(steady, 99)),
      method,
      failedByMethod: failedByMethod(during, methods),
      releaseSeconds: releaseWindows.map((release) => Math.round((release.endS - release.startS) * 10) / 10),
    };
    if (Object.keys(failures).length > 0) progress(`failures by cause: ${JSON.stringify(failures)}`);

    const series: SeriesFile = { mode, method, summary, ratePerSecond: rate, releases: releaseWindows, seconds: perSecond(during, steadyEndMs, methods), failures };
    const seriesDir = resolve(REPO_ROOT, ".bench");
    mkdirSync(seriesDir, { recursive: true });
    writeFileSync(join(seriesDir, `${mode}.json`), JSON.stringify(series, null, 2) + "\n");

    if (values.json) {
      process.stdout.write(JSON.stringify(summary) + "\n");
    } else {
      console.log(`${mode} release x${summary.releases} (${method}): ${summary.requests} requests, ${summary.failed} failed ${JSON.stringify(summary.failedByMethod)}, ` +
        `p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms (steady p99 ${summary.steadyP99Ms} ms)`);
    }
  } finally {
    stopAll();
  }
  return 0;
}

if (require.main === module) exitWith(runCommand(BENCH_RELEASE, process.argv.slice(2), main));
