/**
 * A throwaway host for the hooks: real nginx (own prefix, high port) and real PM2 (own PM2_HOME)
 * in a temp dir, as the current user, with no system paths touched. The hook integration tests
 * and the release benchmark both deploy into one of these. With SANDBOX_HOOK_LOG=<file> set,
 * every hook's output is appended there (the way to read a whole suite's hook logs).
 */
import { execFileSync, spawn } from "node:child_process";
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stampText, type VersionStamp } from "./bundle/build";
import { LIFECYCLE_EVENTS, type LifecycleEvent } from "./bundle/appspec";
import { SETTING_ENV } from "../runtime/budget";

const HOOK_SCRIPTS: Record<LifecycleEvent, string> = {
  ApplicationStop: "application-stop.sh",
  BeforeInstall: "before-install.sh",
  AfterInstall: "after-install.sh",
  ApplicationStart: "application-start.sh",
  ValidateService: "validate-service.sh",
};

export interface HookRun {
  event: LifecycleEvent;
  code: number;
  output: string;
}

export interface DeployResult {
  ok: boolean;
  /** The hook that failed, as CodeDeploy would report it. */
  failedEvent?: LifecycleEvent;
  runs: HookRun[];
}

/**
 * Host settings for a sandbox. The timing ones override the bundle's runtime/runtime.json
 * through the environment, as an operator could on a real host; unset, the bundle's values hold.
 */
export interface SandboxOptions {
  appProcesses?: number;
  keepReleases?: number;
  readyTimeoutSeconds?: number;
  stableSeconds?: number;
  drainSeconds?: number;
  upstreamKeepaliveSeconds?: number;
  /** How long a site change waits for nginx to have no client connection before reloading. */
  reloadQuietSeconds?: number;
}

/** The timing settings a sandbox may override, each through its variable (runtime/budget.ts SETTING_ENV). */
const TIMING_SETTINGS = ["readyTimeoutSeconds", "stableSeconds", "drainSeconds", "upstreamKeepaliveSeconds", "reloadQuietSeconds"] as const;

/** A port nothing listens on right now (the OS picks it), so suites can run side by side. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

/** Unzip a revision the way the CodeDeploy agent does into its deployment archive. */
export function unpackRevision(zip: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  execFileSync("unzip", ["-q", zip, "-d", dir]);
  return dir;
}

/** A copy of an unpacked revision stamped with another version (one build, many releases). */
export function restampRevision(base: string, dir: string, stamp: VersionStamp): string {
  cpSync(base, dir, { recursive: true });
  writeFileSync(join(dir, "version.json"), stampText(stamp));
  return dir;
}

function nginxMainConfig(prefix: string): string {
  const temp = (name: string): string => `${name}_temp_path ${join(prefix, "temp", name)};`;
  return [
    `pid ${join(prefix, "nginx.pid")};`,
    `error_log ${join(prefix, "error.log")} warn;`,
    "worker_processes 1;",
    "events { worker_connections 4096; }",
    "http {",
    "  access_log off;",
    `  ${temp("client_body")} ${temp("proxy")} ${temp("fastcgi")} ${temp("uwsgi")} ${temp("scgi")}`,
    `  include ${join(prefix, "conf.d")}/*.conf;`,
    "}",
    "",
  ].join("\n");
}

const SANDBOX_PM2_UNIT = "pm2-sandbox";
/** Stands in for systemd: `systemctl start pm2-sandbox` starts the PM2 daemon, as the unit would. */
const SYSTEMCTL_STUB = `#!/usr/bin/env bash
set -euo pipefail
printf '%s\\n' "$*" >>"$SANDBOX_SYSTEMCTL_LOG"
[[ $# -eq 2 && $1 == start && $2 == ${SANDBOX_PM2_UNIT} ]] || { echo "systemctl stub: unexpected: $*" >&2; exit 1; }
exec "$PM2_BIN" ping >/dev/null
`;

export class Sandbox {
  readonly env: NodeJS.ProcessEnv;
  private lastGoodRevision: string | undefined;
  private deployments = 0;

  private constructor(
    readonly dir: string,
    readonly listenPort: number,
    readonly appPorts: number[],
    options: SandboxOptions & Required<Pick<SandboxOptions, "keepReleases" | "readyTimeoutSeconds">>,
  ) {
    const nginxPrefix = join(dir, "nginx");
    for (const sub of ["conf.d", "temp"]) mkdirSync(join(nginxPrefix, sub), { recursive: true });
    writeFileSync(join(nginxPrefix, "nginx.conf"), nginxMainConfig(nginxPrefix));
    const bin = join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "systemctl"), SYSTEMCTL_STUB, { mode: 0o755 });
    this.env = {
      ...process.env,
      // The hooks start PM2 through its systemd unit, as on EC2; this stub plays systemd.
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      BLUEGREEN_PM2_SERVICE: SANDBOX_PM2_UNIT,
      SANDBOX_SYSTEMCTL_LOG: join(dir, "systemctl.log"),
      BLUEGREEN_ROOT: join(dir, "app"),
      BLUEGREEN_USER: "",
      PM2_HOME: join(dir, "pm2"),
      PM2_BIN: process.env.PM2_BIN ?? "pm2",
      BLUEGREEN_LOG_DIR: join(dir, "log"),
      BLUEGREEN_APP_PORTS: appPorts.join(" "),
      BLUEGREEN_LISTEN_PORT: String(listenPort),
      BLUEGREEN_NGINX_PREFIX: nginxPrefix,
      BLUEGREEN_NGINX_CONF: join(nginxPrefix, "nginx.conf"),
      BLUEGREEN_NGINX_SITE: join(nginxPrefix, "conf.d", "bluegreen.conf"),
      BLUEGREEN_NGINX_PID: join(nginxPrefix, "nginx.pid"),
      BLUEGREEN_NGINX_SERVICE: "",
      BLUEGREEN_KEEP_RELEASES: String(options.keepReleases),
    };
    for (const setting of TIMING_SETTINGS) {
      const value = options[setting];
      if (value === undefined) delete this.env[SETTING_ENV[setting]];
      else this.env[SETTING_ENV[setting]] = String(value);
    }
  }

  static async create(options: SandboxOptions = {}): Promise<Sandbox> {
    const resolved = { appProcesses: 4, keepReleases: 3, readyTimeoutSeconds: 30, ...options };
    const ports: number[] = [];
    while (ports.length < resolved.appProcesses + 1) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    const [listenPort, ...appPorts] = ports;
    return new Sandbox(mkdtempSync(join(tmpdir(), "bluegreen-host-")), listenPort, appPorts, resolved);
  }

  /** Every `systemctl` call the hooks made, one per line. */
  get systemctlCalls(): string[] {
    const file = this.env.SANDBOX_SYSTEMCTL_LOG ?? "";
    return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n") : [];
  }

  get nginxUrl(): string {
    return `http://127.0.0.1:${this.listenPort}`;
  }

  get releasesDir(): string {
    return join(this.dir, "app", "releases");
  }

  get currentLink(): string {
    return join(this.dir, "app", "current");
  }

  /**
   * Run one hook script of `revision` with the variables the CodeDeploy agent sets. With
   * `terminateWhen`, the hook gets SIGTERM (what the agent sends on a hook timeout) as soon as its
   * output so far matches. `onOutput` sees the output so far as it grows.
   */
  runHook(revision: string, event: LifecycleEvent, deploymentId: string, terminateWhen?: RegExp, onOutput?: (output: string) => void): Promise<HookRun> {
    const child = spawn("bash", [join(revision, "hooks", HOOK_SCRIPTS[event])], {
      cwd: revision,
      env: {
        ...this.env,
        LIFECYCLE_EVENT: event,
        DEPLOYMENT_ID: deploymentId,
        APPLICATION_NAME: "bluegreen-test",
        DEPLOYMENT_GROUP_NAME: "bluegreen-test-blue",
        DEPLOYMENT_GROUP_ID: "00000000-0000-0000-0000-000000000000",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    let terminated = false;
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      onOutput?.(output);
      if (terminateWhen && !terminated && terminateWhen.test(output)) {
        terminated = true;
        child.kill("SIGTERM");
      }
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    return new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => resolve({ event, code: code ?? 1, output }));
    });
  }

  /**
   * One CodeDeploy deployment of an unpacked revision: the hooks in lifecycle order, stopping at
   * the first failure. Like the agent, ApplicationStop runs from the last successful revision
   * (and not at all on a first install). `onOutput` sees each hook's output as it grows.
   */
  async deploy(revision: string, onOutput?: (event: LifecycleEvent, output: string) => void): Promise<DeployResult> {
    const deploymentId = `d-TEST${String(++this.deployments).padStart(5, "0")}`;
    const runs: HookRun[] = [];
    for (const event of LIFECYCLE_EVENTS) {
      const from = event === "ApplicationStop" ? this.lastGoodRevision : revision;
      if (from === undefined) continue;
      const run = await this.runHook(from, event, deploymentId, undefined, onOutput && ((output) => onOutput(event, output)));
      runs.push(run);
      if (process.env.SANDBOX_HOOK_LOG) appendFileSync(process.env.SANDBOX_HOOK_LOG, `--- ${event} (exit ${run.code})\n${run.output}`);
      if (run.code !== 0) return { ok: false, failedEvent: event, runs };
    }
    this.lastGoodRevision = revision;
    return { ok: true, runs };
  }

  /** Stop PM2's daemon and nginx, then delete the dir. Safe to call after any failure. */
  stop(): void {
    const quiet = { env: this.env, stdio: "ignore" } as const;
    try {
      execFileSync(this.env.PM2_BIN ?? "pm2", ["kill"], quiet);
    } catch {
      // no daemon was started
    }
    const pidFile = this.env.BLUEGREEN_NGINX_PID ?? "";
    if (existsSync(pidFile)) {
      try {
        process.kill(Number(readFileSync(pidFile, "utf8")), "SIGTERM");
      } catch {
        // already gone
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
