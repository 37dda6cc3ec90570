import { expect } from "chai";
import { once } from "node:events";
import { Agent, createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { ReadinessState } from "../../app/src/health";
import { createAppServer } from "../../app/src/server";
import { shutdownGracefully } from "../../app/src/shutdown";
import { enterRotationWhenStable } from "../../app/src/rotation";
import { timeoutsFromEnv } from "../../app/src/timeouts";
import { appEnv, hostBudget } from "../../runtime/budget";
import { freePort } from "../../scripts/sandbox";

/** What PM2 hands the app on a host with the bundle's runtime.json. */
const budget = hostBudget({});
const timeouts = timeoutsFromEnv(appEnv(budget));

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string): Promise<Reply> {
  return send(port, "GET", path);
}

function send(port: number, method: string, path: string, body?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function listen(server: Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as AddressInfo).port;
}

describe("app: routes", () => {
  const stamp = { version: "1.2.3-abc", commit: "abc123" };
  let readiness: ReadinessState;
  let server: Server;
  let port: number;

  beforeEach(async () => {
    readiness = new ReadinessState();
    server = createAppServer({ stamp, readiness, port: 0 }, timeouts);
    port = await listen(server);
  });

  afterEach(async () => {
    readiness.stop();
    server.closeAllConnections();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });

  it("sets the keep-alive chain's timeouts from the budget: nginx upstream keepalive < keepAliveTimeout < headersTimeout", () => {
    expect(server.keepAliveTimeout).to.equal(budget.appKeepAliveTimeoutMs);
    expect(server.headersTimeout).to.equal(budget.appHeadersTimeoutMs);
    expect(budget.settings.upstreamKeepaliveSeconds * 1000).to.be.below(server.keepAliveTimeout);
    expect(server.keepAliveTimeout).to.be.below(server.headersTimeout);
  });

  it("answers /health without checking readiness", async () => {
    const reply = await get(port, "/health");
    expect(reply.status).to.equal(200);
    expect(JSON.parse(reply.body)).to.deep.equal({ status: "ok" });
  });

  it("reports /version from the stamp", async () => {
    const reply = await get(port, "/version");
    expect(JSON.parse(reply.body)).to.include(stamp);
  });

  it("serves a small page at /", async () => {
    const reply = await get(port, "/");
    expect(reply.status).to.equal(200);
    expect(reply.body).to.contain("1.2.3-abc");
  });

  it("answers /health/deep with 503 and per-check detail until started, 200 after", async () => {
    const before = await get(port, "/health/deep");
    expect(before.status).to.equal(503);
    expect(JSON.parse(before.body).checks.started).to.deep.equal({ ok: false, detail: "starting" });
    readiness.markStarted();
    const after = await get(port, "/health/deep");
    expect(after.status).to.equal(200);
    expect(Object.keys(JSON.parse(after.body).checks)).to.have.members(["started", "draining", "eventLoop"]);
  });

  it("answers /health/deep with 503 and Connection: close once shutting down", async () => {
    readiness.markStarted();
    readiness.markShuttingDown();
    const reply = await get(port, "/health/deep");
    expect(reply.status).to.equal(503);
    expect(reply.headers.connection).to.equal("close");
    expect(JSON.parse(reply.body).checks.draining.ok).to.equal(false);
  });

  it("accepts writes at POST /items with 201, an id per write and the body's size", async () => {
    const first = await send(port, "POST", "/items", JSON.stringify({ order: 1 }));
    expect(first.status).to.equal(201);
    expect(JSON.parse(first.body)).to.deep.equal({ id: 1, bytes: 11, version: "1.2.3-abc", port: 0 });
    expect(JSON.parse((await send(port, "POST", "/items", "x")).body).id).to.equal(2);
    expect((await send(port, "POST", "/items", "x".repeat(65 * 1024))).status).to.equal(413);
    expect((await send(port, "POST", "/items?delayMs=-1", "x")).status).to.equal(400);
  });

  it("holds a write's answer back for ?delayMs=", async () => {
    const started = Date.now();
    expect((await send(port, "POST", "/items?delayMs=300", "x")).status).to.equal(201);
    expect(Date.now() - started).to.be.at.least(290);
  });

  it("returns 404 for unknown paths and 405 for other methods", async () => {
    expect((await get(port, "/nope")).status).to.equal(404);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/", method: "POST", agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).to.equal(405);
  });

  it("answers a request target that is no valid URL with 404 and keeps serving", async () => {
    // `//[` reads as a URL with an unterminated IPv6 host: a client must not be able to crash a process.
    expect((await get(port, "//[")).status).to.equal(404);
    expect((await send(port, "POST", "//[?delayMs=0", "x")).status).to.equal(405);
    expect((await get(port, "/version")).status).to.equal(200);
  });
});

describe("app: graceful shutdown", () => {
  it("finishes an in-flight request, refuses new connections, then closes", async () => {
    const readiness = new ReadinessState();
    let release: () => void = () => undefined;
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = createServer((_req, res) => {
      arrived();
      release = () => res.end("finished");
    });
    const port = await listen(server);

    const inFlight = get(port, "/slow");
    await requestArrived;
    const closed = shutdownGracefully(server, readiness, 5_000);
    expect(readiness.isShuttingDown).to.equal(true);
    let refused: unknown;
    await get(port, "/").catch((err: unknown) => (refused = err));
    expect(refused).to.have.property("code", "ECONNREFUSED");

    release();
    expect((await inFlight).body).to.equal("finished");
    expect(await closed).to.equal("drained");
  });

  it("keeps idle keep-alive sockets open while draining and answers a request on one with Connection: close", async () => {
    // nginx may be writing a request onto its cached connection at the very moment the process
    // starts draining: closing that socket would lose the request (and nginx never retries a
    // write once sent). So the drain leaves idle sockets to the client, which closes them.
    const readiness = new ReadinessState();
    readiness.markStarted();
    const server = createAppServer({ stamp: { version: "v", commit: "c" }, readiness, port: 0 }, timeouts);
    const port = await listen(server);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const viaAgent = (): Promise<Reply & { reused: boolean }> =>
      new Promise((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: "/version", agent }, (res) => {
          res.resume().on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: "", reused: req.reusedSocket }));
        });
        req.on("error", reject);
        req.end();
      });
    expect((await viaAgent()).headers.connection).to.equal("keep-alive");
    const closed = shutdownGracefully(server, readiness, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const reply = await viaAgent();
    expect(reply).to.deep.include({ status: 200, reused: true });
    expect(reply.headers.connection).to.equal("close");
    expect(await closed).to.equal("drained");
    agent.destroy();
  });

  it("force-closes requests still open after the bound", async () => {
    const readiness = new ReadinessState();
    const server = createServer(() => undefined); // never answers
    const port = await listen(server);
    let arrived: () => void = () => undefined;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    server.on("request", () => arrived());
    const hanging = get(port, "/").catch((err: unknown) => err);
    await requestArrived;
    expect(await shutdownGracefully(server, readiness, 100)).to.equal("forced");
    expect(await hanging).to.have.property("code", "ECONNRESET");
  });
});

describe("app: entering rotation", () => {
  const refused = async (port: number): Promise<boolean> => get(port, "/version").then(() => false, (err: NodeJS.ErrnoException) => err.code === "ECONNREFUSED");
  let readiness: ReadinessState;
  let server: Server;
  let port: number;

  beforeEach(async () => {
    readiness = new ReadinessState();
    server = createAppServer({ stamp: { version: "v", commit: "c" }, readiness, port: 0 }, timeouts);
    // Nothing listens there now; the server under test binds it only when it enters rotation.
    port = await freePort();
  });

  afterEach(async () => {
    readiness.markShuttingDown();
    readiness.stop();
    if (server.listening) await new Promise((resolve) => server.close(resolve));
  });

  it("binds the traffic port only after the checks have passed for the whole stability window", async () => {
    readiness.markStarted();
    const started = Date.now();
    const entering = enterRotationWhenStable(server, readiness, port, 400, () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await refused(port), "still in its stability window").to.equal(true);
    expect(await entering).to.equal(true);
    expect(Date.now() - started).to.be.at.least(390);
    expect((await get(port, "/health/deep")).status).to.equal(200);
  });

  it("never binds while not ready, says why once, and gives up when shut down", async () => {
    const said: string[] = [];
    const entering = enterRotationWhenStable(server, readiness, port, 100, (message) => said.push(message));
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await refused(port)).to.equal(true);
    expect(said).to.deep.equal(["not ready (started: starting); not taking traffic"]);
    readiness.markShuttingDown();
    expect(await entering).to.equal(false);
  });

  it("rejects when another process holds the port", async () => {
    const holder = createServer();
    holder.listen(port, "127.0.0.1");
    await once(holder, "listening");
    readiness.markStarted();
    try {
      let failure: unknown;
      await enterRotationWhenStable(server, readiness, port, 10, () => undefined).catch((err: unknown) => (failure = err));
      expect(failure).to.have.property("code", "EADDRINUSE");
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});

describe("app: timeouts from the environment", () => {
  it("reads the four values PM2 passes and names a missing one", () => {
    expect(timeoutsFromEnv(appEnv(budget))).to.deep.equal({
      keepAliveTimeoutMs: budget.appKeepAliveTimeoutMs,
      headersTimeoutMs: budget.appHeadersTimeoutMs,
      drainBoundMs: budget.appDrainBoundMs,
      stableMs: budget.settings.stableSeconds * 1000,
    });
    const env = { ...appEnv(budget), BLUEGREEN_DRAIN_BOUND_MS: undefined };
    expect(() => timeoutsFromEnv(env)).to.throw("BLUEGREEN_DRAIN_BOUND_MS must be a positive number of ms (runtime/ecosystem.config.js sets it), got undefined");
  });
});
