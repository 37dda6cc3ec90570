import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { ReadinessState } from "./health";
import type { AppTimeouts } from "./timeouts";
import type { VersionStamp } from "./version";

export interface AppContext {
  stamp: VersionStamp;
  readiness: ReadinessState;
  /** Which process answered; lets a caller tell the 4 processes apart through nginx. */
  port: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function homePage(ctx: AppContext): string {
  return `<!doctype html><html><head><title>bluegreen</title></head><body>` +
    `<h1>bluegreen</h1><p>version ${ctx.stamp.version} (${ctx.stamp.commit}), process on port ${ctx.port}</p>` +
    `</body></html>\n`;
}

/** Largest body POST /items accepts; anything bigger is refused with 413. */
const MAX_ITEM_BYTES = 64 * 1024;
/** Longest delay POST /items?delayMs= honours: long enough to try any drain budget. */
const MAX_DELAY_MS = 120_000;

/**
 * The write path: accepts a body, "stores" it (counts it; the reference service keeps no data)
 * and answers 201. `?delayMs=` holds the answer back, which makes it a long request to test
 * the drain budget with. Writes are what nginx never retries once sent, so they show whether a
 * release loses requests.
 */
function createItem(ctx: AppContext, nextId: () => number, query: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
  const delayMs = Number(query.get("delayMs") ?? 0);
  if (!Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
    sendJson(res, 400, { error: `delayMs must be an integer from 0 to ${MAX_DELAY_MS}` });
    return;
  }
  let bytes = 0;
  req.on("data", (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > MAX_ITEM_BYTES && !res.headersSent) sendJson(res, 413, { error: `body over ${MAX_ITEM_BYTES} bytes` });
  });
  req.on("end", () => {
    if (res.headersSent) return;
    const id = nextId();
    const answer = (): void => sendJson(res, 201, { id, bytes, version: ctx.stamp.version, port: ctx.port });
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
}

function route(ctx: AppContext, nextId: () => number, req: IncomingMessage, res: ServerResponse): void {
  // While draining, ask every client (nginx) to drop the connection after this response, so
  // nginx stops using it and no later request goes to a process about to exit.
  if (ctx.readiness.isShuttingDown) res.setHeader("connection", "close");
  // The request target is split, never parsed as a URL: parsing costs every request, and a
  // target such as `//[` (an unterminated IPv6 host to the URL parser) would throw and end the process.
  const target = req.url ?? "/";
  const queryAt = target.indexOf("?");
  const path = queryAt < 0 ? target : target.slice(0, queryAt);
  if (path === "/items" && req.method === "POST") {
    createItem(ctx, nextId, new URLSearchParams(queryAt < 0 ? "" : target.slice(queryAt + 1)), req, res);
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendJson(res, 405, { error: "method not allowed" });
    return;
  }
  switch (path) {
    case "/":
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(homePage(ctx));
      return;
    case "/health":
      sendJson(res, 200, { status: "ok" });
      return;
    case "/health/deep": {
      const readiness = ctx.readiness.evaluate();
      sendJson(res, readiness.ok ? 200 : 503, { status: readiness.ok ? "ok" : "unavailable", ...readiness });
      return;
    }
    case "/version":
      sendJson(res, 200, { ...ctx.stamp, port: ctx.port, pid: process.pid });
      return;
    default:
      sendJson(res, 404, { error: "not found" });
  }
}

/** The HTTP server with the keep-alive chain's timeouts applied; listening is the caller's job. */
export function createAppServer(ctx: AppContext, timeouts: Pick<AppTimeouts, "keepAliveTimeoutMs" | "headersTimeoutMs">): Server {
  let itemsCreated = 0;
  const nextId = (): number => ++itemsCreated;
  const server = createServer((req, res) => route(ctx, nextId, req, res));
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  server.headersTimeout = timeouts.headersTimeoutMs;
  return server;
}
