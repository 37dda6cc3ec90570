/**
 * Process entry point under PM2: listen on PORT, tell PM2 we are ready, drain on SIGINT/SIGTERM.
 * The bundle puts this file at app/main.js and the release's version.json one level up.
 */
import { join } from "node:path";
import { ReadinessState } from "./health";
import { createAppServer } from "./server";
import { shutdownGracefully } from "./shutdown";
import { SHUTDOWN_BOUND_MS } from "./timeouts";
import { readVersionStamp } from "./version";

function log(message: string): void {
  console.log(`${new Date().toISOString()} pid=${process.pid} ${message}`);
}

function parsePort(raw: string | undefined): number {
  const port = Number(raw);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`PORT must be a TCP port, got ${JSON.stringify(raw)}`);
  return port;
}

function main(): void {
  const port = parsePort(process.env.PORT);
  const stamp = readVersionStamp(join(__dirname, "..", "version.json"));
  const readiness = new ReadinessState();
  const server = createAppServer({ stamp, readiness, port });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining`);
    void shutdownGracefully(server, readiness, SHUTDOWN_BOUND_MS).then((outcome) => {
      log(`shutdown ${outcome}`);
      process.exit(outcome === "drained" ? 0 : 1);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  server.listen(port, "127.0.0.1", () => {
    readiness.markStarted();
    log(`version ${stamp.version} listening on 127.0.0.1:${port}`);
    // PM2 (wait_ready) treats the process as online only after this message.
    process.send?.("ready");
  });
}

main();
