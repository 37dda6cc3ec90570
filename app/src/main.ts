/**
 * Process entry point under PM2: initialise, enter nginx's rotation on PORT once ready and
 * stable, drain on SIGINT/SIGTERM. The bundle puts this file at app/main.js and the release's
 * version.json one level up; PM2 passes PORT and the drain budget's timeouts (BLUEGREEN_*_MS).
 */
import { join } from "node:path";
import { ReadinessState } from "./health";
import { enterRotationWhenStable } from "./rotation";
import { createAppServer } from "./server";
import { shutdownGracefully } from "./shutdown";
import { timeoutsFromEnv } from "./timeouts";
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
  const timeouts = timeoutsFromEnv(process.env);
  const stamp = readVersionStamp(join(__dirname, "..", "version.json"));
  const readiness = new ReadinessState();
  const server = createAppServer({ stamp, readiness, port }, timeouts);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining`);
    void shutdownGracefully(server, readiness, timeouts.drainBoundMs).then((outcome) => {
      log(`shutdown ${outcome}`);
      process.exit(outcome === "drained" ? 0 : 1);
    });
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  // The reference service has nothing to connect to; yours would reach its dependencies here.
  readiness.markStarted();
  log(`version ${stamp.version} started; taking traffic on 127.0.0.1:${port} once ready for ${timeouts.stableMs} ms`);
  enterRotationWhenStable(server, readiness, port, timeouts.stableMs, log).then(
    (entered) => {
      if (entered) log(`version ${stamp.version} listening on 127.0.0.1:${port}`);
    },
    (err: unknown) => {
      log(`cannot listen on 127.0.0.1:${port}: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}

main();
