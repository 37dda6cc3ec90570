import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";

export interface CheckResult {
  ok: boolean;
  detail: string;
}

export interface Readiness {
  ok: boolean;
  checks: Record<string, CheckResult>;
}

/** Event-loop delay above this means the process cannot answer promptly: take it out of rotation. */
const MAX_EVENT_LOOP_P99_MS = 500;

/**
 * Readiness state of one process. It decides when the process enters rotation (rotation.ts)
 * and /health/deep reports it; nginx retries reads elsewhere on the 503 it returns while draining.
 */
export class ReadinessState {
  private started = false;
  private shuttingDown = false;
  private readonly loopDelay: IntervalHistogram = monitorEventLoopDelay({ resolution: 20 });

  constructor() {
    this.loopDelay.enable();
  }

  /** Initialisation is done (a real service would have reached its dependencies by now). */
  markStarted(): void {
    this.started = true;
  }

  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  evaluate(): Readiness {
    const loopP99Ms = this.loopDelay.percentile(99) / 1e6;
    // Each window covers the time since the previous probe: probes come every few seconds.
    this.loopDelay.reset();
    const checks: Record<string, CheckResult> = {
      started: { ok: this.started, detail: this.started ? "initialised" : "starting" },
      draining: { ok: !this.shuttingDown, detail: this.shuttingDown ? "shutting down" : "accepting requests" },
      eventLoop: { ok: loopP99Ms <= MAX_EVENT_LOOP_P99_MS, detail: `p99 delay ${loopP99Ms.toFixed(1)} ms` },
    };
    return { ok: Object.values(checks).every((check) => check.ok), checks };
  }

  stop(): void {
    this.loopDelay.disable();
  }
}
