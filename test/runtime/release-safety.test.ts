/**
 * Releases that must lose nothing, on real nginx and PM2: broken versions one after another
 * (never ready, crashing after ready, crashing at start), then a good release on a host where a
 * process PM2 does not track holds a port, with a 20 s write in flight. Every release runs
 * under reads and writes through nginx and none of them may fail; after each failed release
 * the previous version serves every process, and the good one goes through at the end.
 */
import { expect } from "chai";
import { execFileSync, spawn } from "node:child_process";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { appEnv, hostBudget } from "../../runtime/budget";
import { Sandbox } from "../../scripts/sandbox";
import { expectNoFailures, expectServing, outputOf, pm2Processes, sharedRevisions, underTraffic } from "./support";

/** Pids listening on a TCP port of 127.0.0.1, whoever started them. */
function listeners(port: number): number[] {
  const out = execFileSync("ss", ["-ltnpH", `sport = :${port}`], { encoding: "utf8" });
  return [...out.matchAll(/pid=(\d+)/g)].map((match) => Number(match[1]));
}

/** Replace a revision's app entry point by `source`, which can still load the real one as ./real-main.js. */
function withEntryPoint(revision: string, source: string): string {
  renameSync(join(revision, "app", "main.js"), join(revision, "app", "real-main.js"));
  writeFileSync(join(revision, "app", "main.js"), source);
  return revision;
}

describe("runtime: releases that lose nothing (real nginx and PM2)", function () {
  this.timeout(120_000);
  const { revision } = sharedRevisions();
  let sandbox: Sandbox;

  /** Deploy a broken version under traffic: it fails, no request fails, and v1 serves on. */
  async function failedRelease(broken: string, failedIn: string[]): Promise<string> {
    const { result, traffic } = await underTraffic(sandbox, () => sandbox.deploy(broken));
    expect(result.failedEvent, outputOf(result)).to.be.oneOf(failedIn);
    expectNoFailures(traffic);
    expect(Object.keys(traffic.versions), "versions that answered through nginx").to.deep.equal(["v1"]);
    await expectServing(sandbox, "v1");
    expect(pm2Processes(sandbox).map((proc) => proc.status)).to.deep.equal(sandbox.appPorts.map(() => "online"));
    return outputOf(result);
  }

  before(async () => {
    // A 1 s stability window (5 s by default): the crashing version below dies 0.5 s after it is ready.
    sandbox = await Sandbox.create({ appProcesses: 2, keepReleases: 1, readyTimeoutSeconds: 2, stableSeconds: 1, upstreamKeepaliveSeconds: 1 });
    const first = await sandbox.deploy(await revision("v1"));
    expect(first.ok, outputOf(first)).to.equal(true);
  });

  afterEach(function () {
    // What PM2 ran when a test failed: the first thing to look at.
    if (this.currentTest?.state === "failed") console.error("PM2 processes:", JSON.stringify(pm2Processes(sandbox)));
  });

  after(() => sandbox?.stop());

  it("a version that never becomes ready never answers a request and fails ApplicationStart", async () => {
    // Serves like the real app, but its /health/deep never passes (say, its database is unreachable).
    const broken = withEntryPoint(await revision("v-never-ready"), [
      `const { ReadinessState } = require("./health");`,
      `ReadinessState.prototype.evaluate = function () { return { ok: false, checks: { database: { ok: false, detail: "unreachable" } } }; };`,
      `require("./real-main.js");`,
      "",
    ].join("\n"));
    const output = await failedRelease(broken, ["ApplicationStart"]);
    expect(output).to.match(/did not take traffic with version v-never-ready in time/);
    expect(output).to.match(/did not become ready on release v-never-ready; release v1 is serving again/);
  });

  it("a version that crashes 0.5 s after it is ready fails ApplicationStart before it takes a request", async () => {
    // Its checks pass at start-up; the window's timer is set before this one, and expires later.
    const broken = withEntryPoint(await revision("v-crash-after-ready"), `require("./real-main.js");\nsetTimeout(() => process.exit(1), 500);\n`);
    const output = await failedRelease(broken, ["ApplicationStart"]);
    expect(output).to.match(/exited before it was ready and stable on v-crash-after-ready/);
  });

  it("a version that crashes at start fails ApplicationStart and says why", async () => {
    const broken = withEntryPoint(await revision("v-crash-at-start"), `console.error("cannot read config");\nprocess.exit(1);\n`);
    const output = await failedRelease(broken, ["ApplicationStart"]);
    expect(output).to.match(/exited before it was ready and stable on v-crash-at-start; its error log ends: .*cannot read config/);
  });

  it("then a good release goes through: a process PM2 does not track is stopped by its pid, and a 20 s write in flight completes", async () => {
    // What crash-looping releases used to leave behind: PM2 no longer lists a port's process,
    // yet a process of the serving version holds the port (and serves: nginx's upstream lists it).
    const port = sandbox.appPorts[0];
    execFileSync(sandbox.env.PM2_BIN ?? "pm2", ["delete", `bluegreen-${port}`], { env: sandbox.env, stdio: "ignore" });
    const orphan = spawn(process.execPath, [join(sandbox.currentLink, "app", "main.js")], {
      env: { ...process.env, ...appEnv(hostBudget(sandbox.env)), PORT: String(port) },
      detached: true,
      stdio: "ignore",
    });
    orphan.unref();
    try {
      while (!listeners(port).includes(orphan.pid ?? -1)) await new Promise((resolve) => setTimeout(resolve, 100));
      // Shorter than the drain budget (30 s), longer than the app's old 8 s drain bound.
      const slowWrite = fetch(`${sandbox.nginxUrl}/items?delayMs=20000`, { method: "POST", body: "{}", signal: AbortSignal.timeout(60_000) }).then(
        async (res) => ({ status: res.status, version: ((await res.json()) as { version: string }).version }),
        (err: unknown) => ({ status: 0, version: String(err) }),
      );
      const good = await revision("v2");
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { result, traffic } = await underTraffic(sandbox, () => sandbox.deploy(good));
      expect(result.ok, outputOf(result)).to.equal(true);
      expect(outputOf(result)).to.match(new RegExp(`port ${port} is held by pid ${orphan.pid} .*which is not tracked by PM2: stopping it`));
      expectNoFailures(traffic);
      await expectServing(sandbox, "v2");
      for (const appPort of sandbox.appPorts) expect(pm2Processes(sandbox).map((proc) => proc.pid)).to.include.members(listeners(appPort));
      expect(orphan.exitCode ?? orphan.signalCode, "the orphan exited").to.not.equal(null);
      expect(await slowWrite).to.deep.equal({ status: 201, version: "v1" });
    } finally {
      if (orphan.exitCode === null && orphan.signalCode === null) orphan.kill("SIGKILL");
    }
  });
});
