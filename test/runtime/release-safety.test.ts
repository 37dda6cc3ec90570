/**
 * Releases that must lose nothing, on real nginx and PM2: broken versions (never ready, crashing
 * after ready, crashing at start), a host with processes PM2 lost track of, and a long write in
 * flight. Each runs under reads and writes through nginx, asserts that none failed, and that the
 * next good release goes through.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildBundle } from "../../scripts/bundle/build";
import { restampRevision, Sandbox, unpackRevision } from "../../scripts/sandbox";
import { expectNoFailures, expectServing, outputOf, pm2Processes, underTraffic } from "./support";

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
  this.timeout(180_000);
  let sandbox: Sandbox;
  let base: string;
  let work: string;
  let serving: string;

  const revision = (version: string): string => restampRevision(base, join(work, version), { version, commit: `commit-${version}` });

  /** The next good release goes through under traffic, with no failed request. */
  async function nextGoodRelease(version: string): Promise<void> {
    const { result, traffic } = await underTraffic(sandbox, () => sandbox.deploy(revision(version)));
    expect(result.ok, outputOf(result)).to.equal(true);
    expectNoFailures(traffic);
    await expectServing(sandbox, version);
    serving = version;
  }

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "bluegreen-safety-"));
    await buildBundle({ outFile: join(work, "revision.zip"), version: "base", commit: "test" });
    base = unpackRevision(join(work, "revision.zip"), join(work, "base"));
    sandbox = await Sandbox.create({ appProcesses: 3, keepReleases: 1, readyTimeoutSeconds: 5, stableSeconds: 2, upstreamKeepaliveSeconds: 1 });
    const first = await sandbox.deploy(revision("v1"));
    expect(first.ok, outputOf(first)).to.equal(true);
    serving = "v1";
  });

  after(() => {
    sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("a version that never becomes ready never answers a request, fails ApplicationStart, and the next release goes through", async () => {
    // Serves like the real app, but its /health/deep never passes (say, its database is unreachable).
    const broken = withEntryPoint(revision("v-never-ready"), [
      `const { ReadinessState } = require("./health");`,
      `ReadinessState.prototype.evaluate = function () { return { ok: false, checks: { database: { ok: false, detail: "unreachable" } } }; };`,
      `require("./real-main.js");`,
      "",
    ].join("\n"));
    const { result, traffic } = await underTraffic(sandbox, () => sandbox.deploy(broken));
    expect(result.failedEvent, outputOf(result)).to.equal("ApplicationStart");
    expect(traffic.versions, "versions that answered through nginx").to.not.have.property("v-never-ready");
    expectNoFailures(traffic);
    await expectServing(sandbox, serving);
    await nextGoodRelease("v2");
  });

  it("a version that crashes 1.5 s after it starts fails the release, the previous one serves on, and the next release goes through", async () => {
    const broken = withEntryPoint(revision("v-crash-after-ready"), `require("./real-main.js");\nsetTimeout(() => process.exit(1), 1500);\n`);
    const { result, traffic } = await underTraffic(sandbox, () => sandbox.deploy(broken));
    expect(result.ok, outputOf(result)).to.equal(false);
    expect(result.failedEvent).to.be.oneOf(["ApplicationStart", "ValidateService"]);
    expect(traffic.versions).to.not.have.property("v-crash-after-ready");
    expectNoFailures(traffic);
    await expectServing(sandbox, serving);
    expect(pm2Processes(sandbox).every((proc) => proc.status === "online"), JSON.stringify(pm2Processes(sandbox))).to.equal(true);
    await nextGoodRelease("v3");
  });

  it("a version that crashes at start fails ApplicationStart, and the next release goes through", async () => {
    const broken = withEntryPoint(revision("v-crash-at-start"), `console.error("cannot read config");\nprocess.exit(1);\n`);
    const { result, traffic } = await underTraffic(sandbox, () => sandbox.deploy(broken));
    expect(result.failedEvent, outputOf(result)).to.equal("ApplicationStart");
    expectNoFailures(traffic);
    await expectServing(sandbox, serving);
    await nextGoodRelease("v4");
  });

  it("processes PM2 lost track of are stopped by the pid holding the port, logged, and the release goes through", async () => {
    // The PM2 daemon dies (say, OOM-killed): its processes live on, holding their ports, and a
    // new daemon knows nothing of them.
    const orphans = sandbox.appPorts.flatMap(listeners);
    expect(orphans).to.have.length(sandbox.appPorts.length);
    process.kill(Number(readFileSync(join(sandbox.env.PM2_HOME ?? "", "pm2.pid"), "utf8")), "SIGKILL");
    try {
      const { result, traffic } = await underTraffic(sandbox, () => sandbox.deploy(revision("v5")));
      expect(result.ok, outputOf(result)).to.equal(true);
      for (const pid of orphans) expect(outputOf(result)).to.match(new RegExp(`pid ${pid} .*not tracked by PM2`));
      expectNoFailures(traffic);
      await expectServing(sandbox, "v5");
      const tracked = pm2Processes(sandbox).map((proc) => proc.pid);
      for (const port of sandbox.appPorts) expect(tracked).to.include.members(listeners(port));
      serving = "v5";
    } finally {
      for (const pid of orphans) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // stopped by the hooks, as it should be
        }
      }
    }
  });

  it("a 20 s write in flight when the release starts completes, on the version that took it", async () => {
    const slow = fetch(`${sandbox.nginxUrl}/items?delayMs=20000`, { method: "POST", body: "{}", signal: AbortSignal.timeout(60_000) }).then(
      async (res) => ({ status: res.status, body: (await res.json()) as { version: string } }),
      (err: unknown) => ({ status: 0, body: { version: String(err) } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    const before = serving;
    await nextGoodRelease("v6");
    expect(await slow).to.deep.include({ status: 201 });
    expect((await slow).body.version).to.equal(before);
  });
});
