/**
 * The hooks for real: a bundle built by `npm run bundle`'s code, unpacked like the CodeDeploy
 * agent does, deployed hook by hook into a sandbox host with real nginx and real PM2.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { buildBundle } from "../../scripts/bundle/build";
import { restampRevision, Sandbox, unpackRevision, type DeployResult } from "../../scripts/sandbox";

async function servedVersion(url: string): Promise<string> {
  const res = await fetch(`${url}/version`, { signal: AbortSignal.timeout(2_000) });
  return ((await res.json()) as { version: string }).version;
}

function pm2Processes(sandbox: Sandbox): { name: string; status: string; pid: number }[] {
  const list = JSON.parse(execFileSync(sandbox.env.PM2_BIN ?? "pm2", ["jlist"], { env: sandbox.env, encoding: "utf8" })) as {
    name: string;
    pid: number;
    pm2_env: { status: string };
  }[];
  return list.map((proc) => ({ name: proc.name, status: proc.pm2_env.status, pid: proc.pid }));
}

function releases(sandbox: Sandbox): string[] {
  return readdirSync(sandbox.releasesDir).filter((name) => !name.startsWith(".")).sort();
}

function outputOf(result: DeployResult): string {
  return result.runs.map((run) => `--- ${run.event} (exit ${run.code})\n${run.output}`).join("\n");
}

/** Every process directly and the path through nginx serve `version`. */
async function expectServing(sandbox: Sandbox, version: string): Promise<void> {
  for (const port of sandbox.appPorts) expect(await servedVersion(`http://127.0.0.1:${port}`), `port ${port}`).to.equal(version);
  expect(await servedVersion(sandbox.nginxUrl), "through nginx").to.equal(version);
  expect(basename(readlinkSync(sandbox.currentLink))).to.equal(version);
}

describe("runtime: CodeDeploy hooks on real nginx and PM2", function () {
  this.timeout(120_000);
  let sandbox: Sandbox;
  let base: string;
  let work: string;

  const revision = (version: string): string => restampRevision(base, join(work, version), { version, commit: `commit-${version}` });

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "bluegreen-revisions-"));
    await buildBundle({ outFile: join(work, "revision.zip"), version: "base", commit: "test" });
    base = unpackRevision(join(work, "revision.zip"), join(work, "base"));
    sandbox = await Sandbox.create({ keepReleases: 1, readyTimeoutSeconds: 5 });
  });

  after(() => {
    sandbox?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("first install on a fresh host: starts 4 processes and nginx, serves the version", async () => {
    const result = await sandbox.deploy(revision("v1"));
    expect(result.ok, outputOf(result)).to.equal(true);
    expect(result.runs.map((run) => run.event)).to.deep.equal(["BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"]);
    await expectServing(sandbox, "v1");
    const processes = pm2Processes(sandbox);
    expect(processes.map((proc) => proc.name)).to.have.members(sandbox.appPorts.map((port) => `bluegreen-${port}`));
    expect(processes.every((proc) => proc.status === "online")).to.equal(true);
    const health = await fetch(`${sandbox.nginxUrl}/health`);
    expect(await health.json()).to.deep.equal({ status: "ok", by: "nginx" });
    expect(result.runs[0].output).to.contain("[BeforeInstall deployment=d-TEST00001 application=bluegreen-test group=bluegreen-test-blue]");
    // The PM2 daemon came up through its systemd unit, not as a child of the hook.
    expect(sandbox.systemctlCalls).to.deep.equal(["start pm2-sandbox"]);
  });

  it("upgrade: replaces every process without a failed request through nginx", async () => {
    const pidsBefore = pm2Processes(sandbox).map((proc) => proc.pid);
    let failed = 0;
    let requests = 0;
    let deploying = true;
    const load = (async () => {
      while (deploying) {
        requests++;
        const ok = await fetch(`${sandbox.nginxUrl}/`, { signal: AbortSignal.timeout(2_000) }).then((res) => res.ok, () => false);
        if (!ok) failed++;
      }
    })();
    const result = await sandbox.deploy(revision("v2"));
    deploying = false;
    await load;
    expect(result.ok, outputOf(result)).to.equal(true);
    expect(result.runs[0].event).to.equal("ApplicationStop");
    await expectServing(sandbox, "v2");
    const pidsAfter = pm2Processes(sandbox).map((proc) => proc.pid);
    expect(pidsAfter.filter((pid) => pidsBefore.includes(pid))).to.deep.equal([]);
    expect(requests).to.be.above(50);
    expect(failed, `${failed} of ${requests} requests failed`).to.equal(0);
  });

  it("a release whose nginx site fails nginx -t fails AfterInstall and changes nothing", async () => {
    const broken = revision("v-bad-nginx");
    const template = join(broken, "runtime", "nginx-site.conf.template");
    writeFileSync(template, readFileSync(template, "utf8").replace("least_conn;", "least_conn;\n    no_such_directive on;"));
    const siteBefore = readFileSync(sandbox.env.BLUEGREEN_NGINX_SITE ?? "", "utf8");

    const result = await sandbox.deploy(broken);
    expect(result.failedEvent, outputOf(result)).to.equal("AfterInstall");
    expect(outputOf(result)).to.contain("nginx -t rejected the nginx site of release v-bad-nginx");
    expect(outputOf(result)).to.contain('unknown directive "no_such_directive"');
    expect(readFileSync(sandbox.env.BLUEGREEN_NGINX_SITE ?? "", "utf8")).to.equal(siteBefore);
    expect(releases(sandbox)).to.not.include("v-bad-nginx");
    await expectServing(sandbox, "v2");
  });

  it("a release whose app never becomes ready fails ApplicationStart and rolls back to the previous one", async () => {
    const broken = revision("v-never-ready");
    // Starts and stays alive but never listens nor tells PM2 it is ready.
    writeFileSync(join(broken, "app", "main.js"), "setInterval(() => undefined, 1000);\n");

    const result = await sandbox.deploy(broken);
    expect(result.failedEvent, outputOf(result)).to.equal("ApplicationStart");
    expect(outputOf(result)).to.match(/did not become ready on release v-never-ready; release v2 is serving again/);
    await expectServing(sandbox, "v2");
    expect(pm2Processes(sandbox).every((proc) => proc.status === "online")).to.equal(true);
  });

  it("ApplicationStart terminated mid-replacement (hook timeout) puts the previous release back on every process", async () => {
    const next = revision("v-terminated");
    for (const event of ["BeforeInstall", "AfterInstall"] as const) {
      const run = await sandbox.runHook(next, event, "d-TERM");
      expect(run.code, run.output).to.equal(0);
    }
    const secondProcess = `bluegreen-${sandbox.appPorts[1]}`;
    const run = await sandbox.runHook(next, "ApplicationStart", "d-TERM", new RegExp(`replacing ${secondProcess} with v-terminated`));
    expect(run.code, run.output).to.equal(1);
    expect(run.output).to.match(/ApplicationStart was terminated .*; release v2 is serving again/);
    await expectServing(sandbox, "v2");
    expect(pm2Processes(sandbox).every((proc) => proc.status === "online")).to.equal(true);
  });

  it("successive upgrades prune old releases beyond the kept count", async () => {
    const v3 = await sandbox.deploy(revision("v3"));
    expect(v3.ok, outputOf(v3)).to.equal(true);
    expect(outputOf(v3)).to.contain("nginx site unchanged: no reload");
    // v4 also changes the nginx site: applied with a reload.
    const v4 = revision("v4");
    const template = join(v4, "runtime", "nginx-site.conf.template");
    writeFileSync(template, readFileSync(template, "utf8").replace("access_log off;", "access_log off;\n        add_header X-Site v4;"));
    const result = await sandbox.deploy(v4);
    expect(result.ok, outputOf(result)).to.equal(true);
    expect(outputOf(result)).to.contain("reloading nginx");
    expect((await fetch(`${sandbox.nginxUrl}/health`)).headers.get("x-site")).to.equal("v4");
    await expectServing(sandbox, "v4");
    expect(releases(sandbox)).to.deep.equal(["v3", "v4"]);
  });

  it("ValidateService fails listing every check that misses when the host serves another version", async () => {
    const port = sandbox.appPorts[0];
    execFileSync(sandbox.env.PM2_BIN ?? "pm2", ["stop", `bluegreen-${port}`], { env: sandbox.env, stdio: "ignore" });
    try {
      const run = await sandbox.runHook(revision("v5"), "ValidateService", "d-VALIDATE");
      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.contain(`process bluegreen-${port} does not answer http://127.0.0.1:${port}/health/deep`);
      expect(run.output).to.contain(`process bluegreen-${port} serves version 'nothing', expected 'v5'`);
      expect(run.output).to.contain(`process bluegreen-${sandbox.appPorts[1]} serves version 'v4', expected 'v5'`);
      expect(run.output).to.contain("nginx -> app serves version 'v4', expected 'v5'");
      expect(run.output).to.contain("release v5 is not healthy (6 problem(s) above)");
    } finally {
      execFileSync(sandbox.env.PM2_BIN ?? "pm2", ["start", `bluegreen-${port}`], { env: sandbox.env, stdio: "ignore" });
    }
  });
});
