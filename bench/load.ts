/**
 * Constant-rate HTTP load through nginx, open loop: requests are issued on a fixed schedule
 * whether or not earlier ones have answered, and latency counts from the scheduled time, so a
 * stall shows up in the numbers instead of slowing the load down (no coordinated omission).
 * A mix of keep-alive clients (a pooled agent, like the ALB's connections to nginx) and
 * non-keep-alive ones (a new connection per request). Requests cycle through a list of
 * method/path/body shapes, so reads and writes interleave (nginx retries a read on another
 * process when one fails, never a write once sent: writes are what a lossy release drops).
 */
import { Agent, request } from "node:http";

export interface RequestShape {
  method: "GET" | "POST";
  path: string;
  body?: string;
}

export interface Sample {
  /** When the request was scheduled, ms since the load started. */
  atMs: number;
  latencyMs: number;
  ok: boolean;
  keepAlive: boolean;
  method: RequestShape["method"];
  /** Why it failed: status code, error code or "timeout". */
  failure?: string;
  /** The "version" field of a JSON answer, when there is one: which release served it. */
  version?: string;
}

export interface LoadOptions {
  /** nginx's base URL, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  /** Issued in turn, one per scheduled request. */
  shapes: RequestShape[];
  ratePerSecond: number;
  /** Every n-th request goes on a fresh connection without keep-alive. */
  nonKeepAliveEvery: number;
  timeoutMs: number;
  maxRequests: number;
}

// Short ticks keep the schedule smooth (no bursts that would queue on their own).
const TICK_MS = 2;

export class ConstantLoad {
  readonly samples: Sample[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });
  private readonly startedAt = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private issued = 0;
  private inFlight = 0;

  constructor(private readonly options: LoadOptions) {}

  nowMs(): number {
    return performance.now() - this.startedAt;
  }

  start(): void {
    // Issue whatever the schedule says is due by now, so ticks the event loop delivers late
    // (or not at all) do not lower the rate.
    this.timer = setInterval(() => {
      const due = Math.min(this.options.maxRequests, Math.floor((this.nowMs() * this.options.ratePerSecond) / 1000));
      while (this.issued < due) {
        const n = this.issued++;
        this.fire(this.options.shapes[n % this.options.shapes.length], n % this.options.nonKeepAliveEvery === 0);
      }
    }, TICK_MS);
  }

  /** Stop issuing, wait for the requests still out, release the sockets. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    this.agent.destroy();
  }

  get exhausted(): boolean {
    return this.issued >= this.options.maxRequests;
  }

  private fire(shape: RequestShape, freshConnection: boolean): void {
    const atMs = this.nowMs();
    this.inFlight++;
    let settled = false;
    const settle = (failure?: string, version?: string): void => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      this.samples.push({ atMs, latencyMs: this.nowMs() - atMs, ok: failure === undefined, keepAlive: !freshConnection, method: shape.method, failure, version });
    };
    const headers: Record<string, string> = freshConnection ? { connection: "close" } : {};
    if (shape.body !== undefined) headers["content-type"] = "application/json";
    const req = request(`${this.options.baseUrl}${shape.path}`, {
      method: shape.method,
      agent: freshConnection ? false : this.agent,
      headers,
      timeout: this.options.timeoutMs,
    });
    req.on("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => {
        const ok = res.statusCode !== undefined && res.statusCode < 300;
        settle(ok ? undefined : `HTTP ${res.statusCode}`, versionOf(res.headers["content-type"], body));
      });
      res.on("error", (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
    });
    req.on("timeout", () => {
      settle("timeout");
      req.destroy();
    });
    req.on("error", (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
    req.end(shape.body);
  }
}

function versionOf(contentType: string | undefined, body: string): string | undefined {
  if (!contentType?.startsWith("application/json")) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    const version = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>).version : undefined;
    return typeof version === "string" ? version : undefined;
  } catch {
    return undefined;
  }
}

export const LOAD_METHODS = ["GET", "POST", "mix"] as const;
export type LoadMethod = (typeof LOAD_METHODS)[number];

/** A small order, as a client would write it: POST /items is the reference app's write path. */
const WRITE: RequestShape = { method: "POST", path: "/items", body: JSON.stringify({ sku: "bench-1", quantity: 1 }) };

/** The request shapes for `--method`: reads of `readPath`, writes to /items, or both in turn. */
export function shapesFor(method: LoadMethod, readPath = "/"): RequestShape[] {
  const read: RequestShape = { method: "GET", path: readPath };
  if (method === "GET") return [read];
  if (method === "POST") return [WRITE];
  return [read, WRITE];
}
