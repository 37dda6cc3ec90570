/**
 * The built entry point as PM2 runs it: a child process with an IPC channel and PORT set.
 */
import { expect } from "chai";
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { request } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { appEnv, hostBudget } from "../../runtime/budget";
import { freePort } from "../../scripts/sandbox";

/** What PM2 passes: the port and the budget's timeouts, with a short stability window. */
const pm2Env = (port: string): NodeJS.ProcessEnv => ({ ...process.env, ...appEnv(hostBudget({ BLUEGREEN_STABLE_SECONDS: "1" })), PORT: port });

/** GET on a connection of its own, closed after the answer (nothing idle for the drain to wait for). */
function getJson(port: number, path: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    }).on("error", reject).end();
  });
}

async function waitForListening(port: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const up = await getJson(port, "/health/deep").then(() => true, () => false);
    if (up) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("app: process entry point", function () {
  this.timeout(30_000);
  const repo = resolve(__dirname, "..", "..");
  let release: string;
  let child: ChildProcess | undefined;

  before(() => {
    // The same layout as in a release: app/main.js with version.json one level up.
    release = mkdtempSync(join(tmpdir(), "bluegreen-app-"));
    execFileSync(join(repo, "node_modules", ".bin", "tsc"), ["-p", join(repo, "app", "tsconfig.json"), "--outDir", join(release, "app")]);
    writeFileSync(join(release, "version.json"), JSON.stringify({ version: "9.9.9-test", commit: "feedface" }, null, 2));
  });

  afterEach(() => child?.kill("SIGKILL"));
  after(() => rmSync(release, { recursive: true, force: true }));

  it("takes traffic only after its stability window, serves the bundle's version, drains and exits 0 on SIGINT", async () => {
    const port = await freePort();
    child = fork(join(release, "app", "main.js"), [], { env: pm2Env(String(port)), stdio: "pipe" });
    expect(await waitForListening(port)).to.be.at.least(900);

    const version = (await getJson(port, "/version")).body;
    expect(version).to.deep.equal({ version: "9.9.9-test", commit: "feedface", port, pid: child.pid });
    expect((await getJson(port, "/health/deep")).status).to.equal(200);

    child.kill("SIGINT");
    const [code] = await once(child, "exit");
    expect(code).to.equal(0);
  });

  it("refuses to start without a valid PORT", async () => {
    child = fork(join(release, "app", "main.js"), [], { env: pm2Env("not-a-port"), stdio: "pipe" });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, "exit");
    expect(code).to.not.equal(0);
    expect(stderr).to.contain('PORT must be a TCP port, got "not-a-port"');
  });
});
