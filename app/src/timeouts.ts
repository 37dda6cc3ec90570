/**
 * The app's links of the keep-alive chain (DESIGN.md decision 6). Each idle timeout must be
 * longer than the one of the client in front of it, so the client always closes an idle
 * connection first and never sends a request onto a socket the server is closing:
 *
 *   ALB idle 60 s < nginx client keepalive_timeout 75 s          (runtime/nginx-site.conf.template)
 *   nginx upstream keepalive_timeout 30 s < KEEP_ALIVE_TIMEOUT_MS < HEADERS_TIMEOUT_MS
 */
export const KEEP_ALIVE_TIMEOUT_MS = 35_000;
export const HEADERS_TIMEOUT_MS = 40_000;

/**
 * How long a SIGINT/SIGTERM shutdown waits for in-flight requests before it force-closes them.
 * PM2's kill_timeout (runtime/ecosystem.config.js) is longer, so PM2 never SIGKILLs a process
 * that is still draining within this bound.
 */
export const SHUTDOWN_BOUND_MS = 8_000;
