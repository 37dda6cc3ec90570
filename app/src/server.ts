import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { HEADERS_TIMEOUT_MS, KEEP_ALIVE_TIMEOUT_MS } from "./timeouts";
import type { ReadinessState } from "./health";
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

function route(ctx: AppContext, req: IncomingMessage, res: ServerResponse): void {
  // While draining, ask every client (nginx) to drop the connection after this response, so
  // no further request is sent onto a socket this process is about to close.
  if (ctx.readiness.isShuttingDown) res.setHeader("connection", "close");
  const path = (req.url ?? "/").split("?", 1)[0];
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
      sendJson(res, 200, { ...ctx.stamp, port: ctx.port });
      return;
    default:
      sendJson(res, 404, { error: "not found" });
  }
}

/** The HTTP server with the keep-alive chain's timeouts applied; listening is the caller's job. */
export function createAppServer(ctx: AppContext): Server {
  const server = createServer((req, res) => route(ctx, req, res));
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  return server;
}
