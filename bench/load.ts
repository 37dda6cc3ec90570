/**
 * Constant-rate HTTP load through nginx, open loop: requests are issued on a fixed schedule
 * whether or not earlier ones have answered, and latency counts from the scheduled time, so a
 * stall shows up in the numbers instead of slowing the load down (no coordinated omission).
 * A mix of keep-alive clients (a pooled agent, like the ALB's connections to nginx) and
 * non-keep-alive ones (a new connection per request).
 */
import { Agent, request } from "node:http";

export interface Sample {
  /** When the request was scheduled, ms since the load started. */
  atMs: number;
  latencyMs: number;
  ok: boolean;
  keepAlive: boolean;
  /** Why it failed: status code, error code or "timeout". */
  failure?: string;
}

export interface LoadOptions {
  url: string;
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
      while (this.issued < due) this.fire(this.issued++ % this.options.nonKeepAliveEvery === 0);
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

  private fire(freshConnection: boolean): void {
    const atMs = this.nowMs();
    this.inFlight++;
    let settled = false;
    const settle = (failure?: string): void => {
      if (settled) return;
      settled = true;
      this.inFlight--;
      this.samples.push({ atMs, latencyMs: this.nowMs() - atMs, ok: failure === undefined, keepAlive: !freshConnection, failure });
    };
    const req = request(this.options.url, {
      agent: freshConnection ? false : this.agent,
      headers: freshConnection ? { connection: "close" } : {},
      timeout: this.options.timeoutMs,
    });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => settle(res.statusCode !== undefined && res.statusCode < 300 ? undefined : `HTTP ${res.statusCode}`));
      res.on("error", (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
    });
    req.on("timeout", () => {
      settle("timeout");
      req.destroy();
    });
    req.on("error", (err: NodeJS.ErrnoException) => settle(err.code ?? err.message));
    req.end();
  }
}
