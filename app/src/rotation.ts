import type { Server } from "node:http";
import type { ReadinessState } from "./health";

/** How soon a process that is not ready checks itself again. */
const RECHECK_MS = 500;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Enter nginx's rotation only once ready and stable (DESIGN.md decision 15): bind the traffic
 * port after the /health/deep checks have passed, stayed passing for `stableMs` (the second
 * evaluation also covers the event-loop delay of the whole window), and the process is still
 * up. nginx's upstream lists the port, so until it is bound nginx's connects are refused and
 * it uses the other processes, for writes as well. A version that never gets ready, or that
 * crashes within the window, is therefore never sent a request.
 * Resolves true once listening, false if the process began shutting down first; rejects if the
 * port cannot be bound (someone else holds it).
 */
export async function enterRotationWhenStable(
  server: Server,
  readiness: ReadinessState,
  port: number,
  stableMs: number,
  log: (message: string) => void,
): Promise<boolean> {
  let lastReason = "";
  const notReady = (checks: Record<string, { ok: boolean; detail: string }>): void => {
    const reason = Object.entries(checks).filter(([, check]) => !check.ok).map(([name, check]) => `${name}: ${check.detail}`).join(", ");
    if (reason !== lastReason) log(`not ready (${reason}); not taking traffic`);
    lastReason = reason;
  };
  while (!readiness.isShuttingDown) {
    const first = readiness.evaluate();
    if (!first.ok) {
      notReady(first.checks);
      await sleep(RECHECK_MS);
      continue;
    }
    await sleep(stableMs);
    if (readiness.isShuttingDown) break;
    const again = readiness.evaluate();
    if (again.ok) {
      await listen(server, port);
      return true;
    }
    notReady(again.checks);
  }
  return false;
}
