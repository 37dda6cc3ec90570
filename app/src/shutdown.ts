import type { Server } from "node:http";
import type { ReadinessState } from "./health";

export type ShutdownOutcome = "drained" | "forced";

/**
 * Graceful stop: refuse new connections, let in-flight requests finish (their responses carry
 * `Connection: close`), close idle keep-alive sockets at once, and force-close whatever is still
 * open after `boundMs`. Resolves when the server has fully closed.
 */
export function shutdownGracefully(server: Server, readiness: ReadinessState, boundMs: number): Promise<ShutdownOutcome> {
  readiness.markShuttingDown();
  return new Promise((resolve) => {
    let outcome: ShutdownOutcome = "drained";
    const force = setTimeout(() => {
      outcome = "forced";
      server.closeAllConnections();
    }, boundMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      readiness.stop();
      resolve(outcome);
    });
    server.closeIdleConnections();
  });
}
