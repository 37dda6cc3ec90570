/**
 * `npm run bench:chart [-- --out <svg>]`: draws the chart from the series the last
 * `bench:release` runs left in .bench/ (bluegreen.json and naive.json): per second of the
 * release phase, p99 latency (line) and failed requests (bars, stacked by method: reads GET,
 * writes POST), releases shaded. Run both with `--method mix` to compare reads and writes. Writes
 * under .bench/ unless told otherwise, so a small trial run never replaces the chart in docs/runtime.md
 * (docs/release-benchmark.svg): that takes `--out docs/release-benchmark.svg`.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { command } from "../cli/command";
import { outputFile, type Values } from "../cli/flags";
import { CommandFailure, exitWith, runCommand } from "../cli/run";
import { REPO_ROOT } from "../scripts/bundle/build";
import type { Mode, SeriesFile } from "./release";

const BENCH_DIR = resolve(REPO_ROOT, ".bench");

const WIDTH = 860;
const PANEL_HEIGHT = 200;
const MARGIN = { left: 60, right: 80, top: 40, bottom: 34 };
/** Bar colour per method; the stack goes bottom-up in this order. */
const METHOD_COLOURS: Record<string, string> = { GET: "#d62728", POST: "#ff9896" };

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** A tidy upper bound for an axis: 1, 2 or 5 times a power of ten. */
function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((step) => step * power).find((bound) => bound >= value) ?? 10 * power;
}

function panel(series: SeriesFile, top: number, durationS: number, maxLatencyMs: number, maxFailed: number): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (seconds: number): number => MARGIN.left + (seconds / durationS) * plotWidth;
  const yLatency = (ms: number): number => top + MARGIN.top + plotHeight - (Math.min(ms, maxLatencyMs) / maxLatencyMs) * plotHeight;
  const yFailed = (count: number): number => top + MARGIN.top + plotHeight - (count / maxFailed) * plotHeight;
  const s = series.summary;
  const parts: string[] = [];

  const byMethod = Object.entries(s.failedByMethod).map(([name, count]) => `${name} ${count}`).join(", ");
  parts.push(`<text x="${MARGIN.left}" y="${top + 22}" font-weight="bold">${escapeXml(series.mode === "naive" ? "naive: pm2 restart all + nginx restart" : "bluegreen: CodeDeploy hooks")} (${series.method})</text>`);
  parts.push(`<text x="${WIDTH - MARGIN.right}" y="${top + 22}" text-anchor="end">${s.releases} releases, ${s.requests} requests, ${s.failed} failed (${byMethod}), p99 ${s.p99Ms} ms (steady ${s.steadyP99Ms} ms)</text>`);
  for (const release of series.releases) {
    parts.push(`<rect x="${x(release.startS).toFixed(1)}" y="${top + MARGIN.top}" width="${Math.max(1, x(release.endS) - x(release.startS)).toFixed(1)}" height="${plotHeight}" fill="#eee"/>`);
  }
  const barWidth = Math.max(1, plotWidth / durationS - 1);
  for (const bucket of series.seconds.filter((b) => b.failed > 0)) {
    let stacked = 0;
    for (const [name, colour] of Object.entries(METHOD_COLOURS)) {
      const count = bucket.failedByMethod[name] ?? 0;
      if (count === 0) continue;
      parts.push(`<rect x="${x(bucket.second).toFixed(1)}" y="${yFailed(stacked + count).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(yFailed(stacked) - yFailed(stacked + count)).toFixed(1)}" fill="${colour}"/>`);
      stacked += count;
    }
  }
  const line = series.seconds.map((b) => `${x(b.second + 0.5).toFixed(1)},${yLatency(b.p99Ms).toFixed(1)}`).join(" ");
  parts.push(`<polyline points="${line}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>`);
  // Axes: latency on the left, failures on the right, seconds below.
  const bottom = top + MARGIN.top + plotHeight;
  parts.push(`<line x1="${MARGIN.left}" y1="${bottom}" x2="${WIDTH - MARGIN.right}" y2="${bottom}" stroke="#333"/>`);
  parts.push(`<text x="${MARGIN.left - 6}" y="${top + MARGIN.top + 4}" text-anchor="end" fill="#1f77b4">${maxLatencyMs} ms</text>`);
  parts.push(`<text x="${MARGIN.left - 6}" y="${bottom}" text-anchor="end" fill="#1f77b4">0</text>`);
  parts.push(`<text x="${WIDTH - MARGIN.right + 6}" y="${top + MARGIN.top + 4}" fill="#d62728">${maxFailed} failed/s</text>`);
  for (let second = 0; second <= durationS; second += durationS > 60 ? 20 : 10) {
    parts.push(`<text x="${x(second).toFixed(1)}" y="${bottom + 14}" text-anchor="middle">${second}s</text>`);
  }
  return parts.join("\n");
}

export const BENCH_CHART = command({
  name: "bench:chart",
  invocation: "npm run bench:chart --",
  summary: "Draw the release benchmark chart (p99 latency and failed requests per second) from the series the last bench:release runs left in .bench/.",
  flags: {
    out: outputFile("where to write the SVG; the chart in docs/runtime.md is docs/release-benchmark.svg", { placeholder: "<svg>" }).default(
      resolve(BENCH_DIR, "release-benchmark.svg"),
      ".bench/release-benchmark.svg",
    ),
  },
  notes: ["Reads .bench/bluegreen.json and .bench/naive.json (npm run bench:release -- --json, then with --naive)."],
  exitCodes: { 0: "written; prints its path", 2: "bad usage, or a series is missing or unreadable" },
});

function readSeries(mode: Mode): SeriesFile {
  const file = join(BENCH_DIR, `${mode}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as SeriesFile;
  } catch (error) {
    const run = `npm run bench:release -- --json${mode === "naive" ? " --naive" : ""}`;
    throw new CommandFailure(`cannot read ${relative(process.cwd(), file)} (${(error as Error).message}): run \`${run}\` first`, 2);
  }
}

async function main({ out }: Values<typeof BENCH_CHART.flags>): Promise<number> {
  const series = (["bluegreen", "naive"] as const).map(readSeries);
  const durationS = Math.ceil(Math.max(...series.flatMap((s) => s.seconds.map((b) => b.second + 1))));
  const maxLatencyMs = niceCeiling(Math.max(...series.flatMap((s) => s.seconds.map((b) => b.p99Ms))));
  const maxFailed = niceCeiling(Math.max(1, ...series.flatMap((s) => s.seconds.map((b) => b.failed))));
  const height = PANEL_HEIGHT * series.length + 24;
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...series.map((s, i) => panel(s, i * PANEL_HEIGHT, durationS, maxLatencyMs, maxFailed)),
    `<text x="${MARGIN.left}" y="${height - 8}" fill="#555">Per second of the release phase at ${series[0].ratePerSecond} req/s: p99 latency (blue line), failed reads (GET, red) and writes (POST, pink), releases in progress (grey).</text>`,
    `</svg>`,
    "",
  ].join("\n");
  // The default's .bench/ may not exist yet; a given --out's directory was checked to exist.
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, svg);
  console.log(out);
  return 0;
}

if (require.main === module) exitWith(runCommand(BENCH_CHART, process.argv.slice(2), main));
