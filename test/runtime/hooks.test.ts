/**
 * The hooks for real: a bundle built by `npm run bundle`'s code, unpacked like the CodeDeploy
 * agent does, deployed hook by hook into a sandbox host with real nginx and real PM2.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { Sandbox } from "../../scripts/sandbox";
import { expectNoFailures, expectServing, outputOf, pm2Processes, sharedRevisions, underTraffic } from "./support";

/** One request on a raw keep-alive connection to nginx, then idle until `leave()`. */
async function idleKeepAliveClient(port: number): Promise<{ leave: () => void; closedByNginx: () => boolean }> {
  const socket = connect(port, "127.0.0.1");
  let leaving = false;
  let closedByNginx = false;
  socket.on("end", () => (closedByNginx ||= !leaving));
  socket.on("error", () => (closedByNginx ||= !leaving));
  await once(socket, "connect");
  socket.write("GET /health HTTP/1.1\r\nHost: bluegreen\r\n\r\n");
  const [answer] = (await once(socket, "data")) as [Buffer];
  expect(answer.toString()).to.match(/^HTTP\/1.1 200 OK/);
  return {
    leave: () => {
      leaving = true;
      socket.end();
    },
    closedByNginx: () => closedByNginx,
  };
}

function releases(sandbox: Sandbox): string[] {
  return readdirSync(sandbox.releasesDir).filter((name) => !name.startsWith(".")).sort();
}

describe("runtime: CodeDeploy hooks on real nginx and PM2", function () {
  this.timeout(120_000);
  const { revision } = sharedRevisions();
  let sandbox: Sandbox;

  before(async () => {
    sandbox = await Sandbox.create({ appProcesses: 2, keepReleases: 1, readyTimeoutSeconds: 5, stableSeconds: 1, upstreamKeepaliveSeconds: 1, reloadQuietSeconds: 10 });
  });

  after(() => sandbox?.stop());

  it("first install on a fresh host: starts the processes and nginx, serves the version", async () => {
    const result = await sandbox.deploy(await revision("v1"));
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

  it("a release whose nginx site fails nginx -t fails AfterInstall and changes nothing", async () => {
    const broken = await revision("v-bad-nginx");
    const template = join(broken, "runtime", "nginx-site.conf.template");
    writeFileSync(template, readFileSync(template, "utf8").replace("least_conn;", "least_conn;\n    no_such_directive on;"));
    const siteBefore = readFileSync(sandbox.env.BLUEGREEN_NGINX_SITE ?? "", "utf8");

    const result = await sandbox.deploy(broken);
    expect(result.failedEvent, outputOf(result)).to.equal("AfterInstall");
    expect(outputOf(result)).to.contain("nginx -t rejected the nginx site of release v-bad-nginx");
    expect(outputOf(result)).to.contain('unknown directive "no_such_directive"');
    expect(readFileSync(sandbox.env.BLUEGREEN_NGINX_SITE ?? "", "utf8")).to.equal(siteBefore);
    expect(releases(sandbox)).to.not.include("v-bad-nginx");
    await expectServing(sandbox, "v1");
  });

  it("ApplicationStart terminated mid-replacement (hook timeout) puts the previous release back on every process, losing no request", async () => {
    const next = await revision("v-terminated");
    for (const event of ["BeforeInstall", "AfterInstall"] as const) {
      const run = await sandbox.runHook(next, event, "d-TERM");
      expect(run.code, run.output).to.equal(0);
    }
    const secondProcess = `bluegreen-${sandbox.appPorts[1]}`;
    const { result: run, traffic } = await underTraffic(sandbox, () =>
      sandbox.runHook(next, "ApplicationStart", "d-TERM", new RegExp(`replacing ${secondProcess} with v-terminated`)),
    );
    expect(run.code, run.output).to.equal(1);
    expect(run.output).to.match(/ApplicationStart was terminated .*; release v1 is serving again/);
    expectNoFailures(traffic);
    await expectServing(sandbox, "v1");
    expect(pm2Processes(sandbox).every((proc) => proc.status === "online")).to.equal(true);
  });

  it("the next good release replaces every process with no failed read or write; successive upgrades prune old releases", async () => {
    const pidsBefore = pm2Processes(sandbox).map((proc) => proc.pid);
    const next = await revision("v3");
    const { result: v3, traffic } = await underTraffic(sandbox, () => sandbox.deploy(next), 150);
    expect(v3.ok, outputOf(v3)).to.equal(true);
    expect(v3.runs[0].event).to.equal("ApplicationStop");
    expectNoFailures(traffic);
    expect(traffic.samples.filter((sample) => sample.method === "POST").length, "writes sent").to.be.above(100);
    expect(pm2Processes(sandbox).map((proc) => proc.pid).filter((pid) => pidsBefore.includes(pid))).to.deep.equal([]);
    expect(outputOf(v3)).to.contain("nginx site unchanged: no reload");
    expect(releases(sandbox)).to.deep.equal(["v-terminated", "v3"]);
  });

  it("a release that changes the nginx site reloads it only once no client is connected, so nginx never closes a client's connection", async () => {
    // A client with an idle keep-alive connection, like the ALB after a verification: a reload
    // now would have the old worker close it, and a request sent at that instant would be reset.
    const client = await idleKeepAliveClient(sandbox.listenPort);
    const v4 = await revision("v4");
    const template = join(v4, "runtime", "nginx-site.conf.template");
    writeFileSync(template, readFileSync(template, "utf8").replace("access_log off;", "access_log off;\n        add_header X-Site v4;"));
    // The client goes away a little after the hook starts waiting (the ALB's idle timeout would).
    const result = await sandbox.deploy(v4, (event, output) => {
      if (event === "ApplicationStart" && output.includes("client connection(s) to close before reloading")) setTimeout(() => client.leave(), 500);
    });
    expect(result.ok, outputOf(result)).to.equal(true);
    expect(client.closedByNginx(), "nginx closed the client's idle connection").to.equal(false);
    const start = result.runs.find((run) => run.event === "ApplicationStart")?.output ?? "";
    expect(start).to.match(/waiting up to 10s for nginx's [1-9]\d* client connection\(s\) to close before reloading[^]*reloading nginx \(no client connected\)/);
    expect((await fetch(`${sandbox.nginxUrl}/health`)).headers.get("x-site")).to.equal("v4");
    await expectServing(sandbox, "v4");
    expect(releases(sandbox)).to.deep.equal(["v3", "v4"]);
  });

  it("ValidateService fails listing every check that misses when the host serves another version", async () => {
    const port = sandbox.appPorts[0];
    execFileSync(sandbox.env.PM2_BIN ?? "pm2", ["stop", `bluegreen-${port}`], { env: sandbox.env, stdio: "ignore" });
    try {
      const run = await sandbox.runHook(await revision("v5"), "ValidateService", "d-VALIDATE");
      expect(run.code, run.output).to.equal(1);
      expect(run.output).to.contain(`process bluegreen-${port} is stopped in PM2`);
      expect(run.output).to.contain(`process bluegreen-${port} does not answer http://127.0.0.1:${port}/health/deep`);
      expect(run.output).to.contain(`process bluegreen-${port} serves version 'nothing', expected 'v5'`);
      expect(run.output).to.contain(`process bluegreen-${sandbox.appPorts[1]} serves version 'v4', expected 'v5'`);
      expect(run.output).to.contain("nginx -> app serves version 'v4', expected 'v5'");
      expect(run.output).to.contain("release v5 is not healthy (5 problem(s) above)");
    } finally {
      execFileSync(sandbox.env.PM2_BIN ?? "pm2", ["start", `bluegreen-${port}`], { env: sandbox.env, stdio: "ignore" });
    }
  });

  it("ValidateService fails when a process restarted after ApplicationStart proved it stable (a crash after ready)", async () => {
    const port = sandbox.appPorts[1];
    const before = pm2Processes(sandbox).find((proc) => proc.name === `bluegreen-${port}`);
    execFileSync(sandbox.env.PM2_BIN ?? "pm2", ["restart", `bluegreen-${port}`], { env: sandbox.env, stdio: "ignore" });
    const after = pm2Processes(sandbox).find((proc) => proc.name === `bluegreen-${port}`);
    const run = await sandbox.runHook(await revision("v4"), "ValidateService", "d-VALIDATE");
    expect(run.code, run.output).to.equal(1);
    expect(run.output).to.contain(
      `process bluegreen-${port} restarted since ApplicationStart proved it stable: pid ${before?.pid} -> ${after?.pid}, restarts ${before?.restarts} -> ${after?.restarts}`,
    );
  });
});
