import type { Server } from "node:http";
import { Server as NetServer } from "node:net";
import type { ReadinessState } from "./health";

export type ShutdownOutcome = "drained" | "forced";

/**
 * Drain on SIGINT/SIGTERM without ever closing a connection nginx may be writing a request to:
 *
 * 1. Stop listening. A new connection is refused, and nginx passes that request to another
 *    process: a refused connect fails before anything is sent, so nginx does it for writes too.
 * 2. Answer whatever still arrives on open connections, with `Connection: close` (route() adds
 *    it), so nginx drops each connection after its response.
 * 3. Leave idle keep-alive connections alone. nginx closes them after its upstream
 *    keepalive_timeout, which is shorter than our keepAliveTimeout. Closing them here, as
 *    http.Server#close does since Node 19, races with nginx sending a request onto one, and nginx
 *    never retries a write once sent: that race was the 502s on POST during releases.
 *
 * Resolves once the last connection is gone; force-closes what is left after `boundMs`.
 */
export function shutdownGracefully(server: Server, readiness: ReadinessState, boundMs: number): Promise<ShutdownOutcome> {
  readiness.markShuttingDown();
  if (!server.listening) {
    // Stopped before it entered rotation: nothing was ever connected.
    readiness.stop();
    return Promise.resolve("drained");
  }
  return new Promise((resolve) => {
    let outcome: ShutdownOutcome = "drained";
    const force = setTimeout(() => {
      outcome = "forced";
      server.closeAllConnections();
    }, boundMs);
    force.unref();
    // net.Server's own close: stops accepting and calls back when every connection has ended,
    // without http.Server's closing of idle ones.
    NetServer.prototype.close.call(server, () => {
      clearTimeout(force);
      readiness.stop();
      resolve(outcome);
    });
  });
}
