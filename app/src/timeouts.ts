/**
 * The app's share of the drain budget (runtime/budget.ts), handed over by PM2 as environment
 * variables so that one setting moves every bound together (DESIGN.md decisions 6 and 15):
 *
 *   nginx upstream keepalive_timeout < keepAliveTimeoutMs < headersTimeoutMs
 *     nginx always closes an idle connection first, so it never sends onto one we close.
 *   drainBoundMs = drain budget + nginx upstream keepalive_timeout (+ slack) < PM2 kill_timeout
 *     a request shorter than the budget finishes, and nginx retires its idle connections, before
 *     the drain gives up; PM2 never SIGKILLs a process still inside that bound.
 *   stableMs: how long the process must stay ready before it takes traffic.
 */
export interface AppTimeouts {
  keepAliveTimeoutMs: number;
  headersTimeoutMs: number;
  drainBoundMs: number;
  stableMs: number;
}

const ENV_NAMES: Record<keyof AppTimeouts, string> = {
  keepAliveTimeoutMs: "BLUEGREEN_KEEPALIVE_TIMEOUT_MS",
  headersTimeoutMs: "BLUEGREEN_HEADERS_TIMEOUT_MS",
  drainBoundMs: "BLUEGREEN_DRAIN_BOUND_MS",
  stableMs: "BLUEGREEN_STABLE_MS",
};

/** Reads the four values; throws naming the first missing or invalid one (PM2 sets them all). */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv): AppTimeouts {
  const read = (key: keyof AppTimeouts): number => {
    const raw = env[ENV_NAMES[key]];
    const value = Number(raw);
    if (raw === undefined || raw === "" || !Number.isInteger(value) || value <= 0) {
      throw new Error(`${ENV_NAMES[key]} must be a positive number of ms (runtime/ecosystem.config.js sets it), got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  return {
    keepAliveTimeoutMs: read("keepAliveTimeoutMs"),
    headersTimeoutMs: read("headersTimeoutMs"),
    drainBoundMs: read("drainBoundMs"),
    stableMs: read("stableMs"),
  };
}
