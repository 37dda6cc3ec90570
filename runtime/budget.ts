/**
 * The drain budget and every timeout derived from it (DESIGN.md decisions 6 and 15).
 *
 * One setting, `drainSeconds` in runtime/runtime.json, says how long a request may run and still
 * complete while a release replaces the process serving it. From it (and the few other settings
 * beside it) come the app's drain bound, PM2's kill_timeout, nginx's upstream timeouts, the
 * hooks' waits and the appspec hook timeouts the bundle step checks. Nothing else holds a number
 * of its own: change the budget here and everything moves together.
 *
 * Built into the bundle as runtime/budget.js: ecosystem.config.js requires it, and the hooks run
 * `node runtime/budget.js shell` to read the values as shell variables. Each setting can be
 * overridden on a host by its environment variable (SETTING_ENV), as the test sandboxes do.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export interface RuntimeSettings {
  /** The drain budget: a request shorter than this completes during a release. */
  drainSeconds: number;
  /** A new process must stay up this long after its first good /health/deep before it takes traffic. */
  stableSeconds: number;
  /** How long a new process may take to become ready (first good /health/deep), stability window not included. */
  readyTimeoutSeconds: number;
  /** nginx's upstream keepalive_timeout: how long nginx keeps an idle connection to a process. */
  upstreamKeepaliveSeconds: number;
  /** How long a release that changes the nginx site waits for nginx to have no client connection. */
  reloadQuietSeconds: number;
  appPorts: number[];
}

export const SETTING_ENV: Record<keyof RuntimeSettings, string> = {
  drainSeconds: "BLUEGREEN_DRAIN_SECONDS",
  stableSeconds: "BLUEGREEN_STABLE_SECONDS",
  readyTimeoutSeconds: "BLUEGREEN_READY_TIMEOUT",
  upstreamKeepaliveSeconds: "BLUEGREEN_UPSTREAM_KEEPALIVE_SECONDS",
  reloadQuietSeconds: "BLUEGREEN_RELOAD_QUIET_SECONDS",
  appPorts: "BLUEGREEN_APP_PORTS",
};

/**
 * The ALB's idle timeout (infra/loadBalancing.ts ALB_IDLE_TIMEOUT_SECONDS; a test keeps the two
 * equal). The ALB closes a connection on which nothing moved for this long, so a response that
 * takes longer is cut whatever the budget says (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/edit-load-balancer-attributes.html#connection-idle-timeout).
 */
export const ALB_IDLE_TIMEOUT_SECONDS = 60;

/**
 * CodeDeploy's limit for one hook's `timeout` in an EC2 AppSpec
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html:
 * "The maximum timeout is 3600 seconds (one hour)").
 */
export const MAX_HOOK_TIMEOUT_SECONDS = 3600;

/** Slack between two links of a chain, so timers firing a little late never swap their order. */
const LINK_MARGIN_SECONDS = 2;

/** A setting that cannot work, in one line naming it and what is allowed. */
export class BudgetError extends Error {}

export interface Budget {
  settings: RuntimeSettings;
  /** App (env BLUEGREEN_*_MS): idle keep-alive socket timeout, above nginx's upstream keepalive_timeout. */
  appKeepAliveTimeoutMs: number;
  /** App: headersTimeout, above its keepAliveTimeout (decision 6). */
  appHeadersTimeoutMs: number;
  /**
   * App: how long a drain may take before it force-closes what is left: a request that started
   * just before the stop signal runs for up to drainSeconds, and nginx retires an idle
   * connection upstreamKeepaliveSeconds after its last use.
   */
  appDrainBoundMs: number;
  /** PM2 kill_timeout: SIGKILL only after the app's own drain bound has passed. */
  killTimeoutMs: number;
  /** PM2 min_uptime: an exit sooner counts as an unstable restart. The same window as readiness. */
  minUptimeMs: number;
  /** nginx proxy_read_timeout and proxy_send_timeout: never shorter than the budget. */
  proxyTimeoutSeconds: number;
  /** nginx client keepalive_timeout: above the ALB's idle timeout (decision 6). */
  clientKeepaliveSeconds: number;
  /** Hooks: how long a started process may take to be ready and then stable (wait_process_stable). */
  processStartSeconds: number;
  /** Hooks: the most one process replacement may take (drain and stop, start, ready, stable). */
  processBoundSeconds: number;
  /** Hooks: stopping a process PM2 does not track (SIGTERM, its drain, then SIGKILL). */
  orphanStopSeconds: number;
  /** What each budget-bound hook needs from its appspec timeout. */
  hookSeconds: { ApplicationStart: number; ValidateService: number };
}

function positiveInteger(name: string, value: unknown): number {
  const number = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof number !== "number" || !Number.isInteger(number) || number <= 0) {
    throw new BudgetError(`${name} must be a positive whole number of seconds, got ${JSON.stringify(value)}`);
  }
  return number;
}

function ports(name: string, value: unknown): number[] {
  const list = typeof value === "string" ? value.split(/\s+/).filter(Boolean) : value;
  const valid = Array.isArray(list) && list.length > 0 && list.every((port) => Number.isInteger(Number(port)) && Number(port) > 0 && Number(port) < 65536);
  if (!valid) throw new BudgetError(`${name} must list TCP ports, got ${JSON.stringify(value)}`);
  return (list as unknown[]).map(Number);
}

/** The settings of runtime.json, each overridden by its environment variable when set. */
export function readSettings(file: string, env: NodeJS.ProcessEnv = process.env): RuntimeSettings {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new BudgetError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const pick = (key: keyof RuntimeSettings): [string, unknown] => {
    const override = env[SETTING_ENV[key]];
    return override !== undefined && override !== "" ? [SETTING_ENV[key], override] : [`${file}: ${key}`, json[key]];
  };
  const seconds = (key: Exclude<keyof RuntimeSettings, "appPorts">): number => positiveInteger(...pick(key));
  return {
    drainSeconds: seconds("drainSeconds"),
    stableSeconds: seconds("stableSeconds"),
    readyTimeoutSeconds: seconds("readyTimeoutSeconds"),
    upstreamKeepaliveSeconds: seconds("upstreamKeepaliveSeconds"),
    reloadQuietSeconds: seconds("reloadQuietSeconds"),
    appPorts: ports(...pick("appPorts")),
  };
}

export function deriveBudget(settings: RuntimeSettings): Budget {
  const { drainSeconds, stableSeconds, readyTimeoutSeconds, upstreamKeepaliveSeconds, reloadQuietSeconds } = settings;
  if (drainSeconds >= ALB_IDLE_TIMEOUT_SECONDS) {
    throw new BudgetError(`drainSeconds ${drainSeconds} must be below the ALB idle timeout (${ALB_IDLE_TIMEOUT_SECONDS} s), which cuts any longer response`);
  }
  const appKeepAliveTimeoutMs = (upstreamKeepaliveSeconds + LINK_MARGIN_SECONDS) * 1000;
  const appDrainBoundMs = (drainSeconds + upstreamKeepaliveSeconds + LINK_MARGIN_SECONDS) * 1000;
  const killTimeoutMs = appDrainBoundMs + LINK_MARGIN_SECONDS * 1000;
  const killTimeoutSeconds = killTimeoutMs / 1000;
  const processStartSeconds = readyTimeoutSeconds + stableSeconds + LINK_MARGIN_SECONDS;
  // Stop the old process (up to its kill_timeout), start the new one, wait for it to be ready
  // and then stable, with slack for the PM2 CLI calls (each a Node start-up, niced).
  const processBoundSeconds = killTimeoutSeconds + processStartSeconds + 3;
  const processes = settings.appPorts.length;
  return {
    settings,
    appKeepAliveTimeoutMs,
    appHeadersTimeoutMs: appKeepAliveTimeoutMs + LINK_MARGIN_SECONDS * 1000,
    appDrainBoundMs,
    killTimeoutMs,
    minUptimeMs: stableSeconds * 1000,
    proxyTimeoutSeconds: drainSeconds,
    clientKeepaliveSeconds: ALB_IDLE_TIMEOUT_SECONDS + 15,
    processStartSeconds,
    processBoundSeconds,
    orphanStopSeconds: killTimeoutSeconds,
    hookSeconds: {
      // Each process may first need an orphan stopped, then be replaced; a failure replaces the
      // ones already moved again (rollback); a site change waits for quiet; 30 s for the rest.
      ApplicationStart: processes * killTimeoutSeconds + 2 * processes * processBoundSeconds + reloadQuietSeconds + 30,
      // Per process: PM2's state, /health/deep and /version (2 s curl bounds); then nginx.
      ValidateService: processes * 10 + 20,
    },
  };
}

/** The environment PM2 gives each app process: the app's side of the budget (app/src/timeouts.ts). */
export function appEnv(budget: Budget): Record<string, string> {
  return {
    BLUEGREEN_KEEPALIVE_TIMEOUT_MS: String(budget.appKeepAliveTimeoutMs),
    BLUEGREEN_HEADERS_TIMEOUT_MS: String(budget.appHeadersTimeoutMs),
    BLUEGREEN_DRAIN_BOUND_MS: String(budget.appDrainBoundMs),
    BLUEGREEN_STABLE_MS: String(budget.settings.stableSeconds * 1000),
  };
}

/** The hooks' view: `NAME=value` lines for bash to eval (numbers and port lists only). */
export function shellAssignments(budget: Budget): string {
  const { settings } = budget;
  const values: Record<string, string | number> = {
    // The variables a host may override settings with, for the hooks to hand on to PM2.
    BUDGET_SETTING_VARIABLES: Object.values(SETTING_ENV).join(" "),
    BLUEGREEN_APP_PORTS: settings.appPorts.join(" "),
    BUDGET_DRAIN_SECONDS: settings.drainSeconds,
    BUDGET_STABLE_SECONDS: settings.stableSeconds,
    BUDGET_READY_TIMEOUT_SECONDS: settings.readyTimeoutSeconds,
    BUDGET_RELOAD_QUIET_SECONDS: settings.reloadQuietSeconds,
    BUDGET_UPSTREAM_KEEPALIVE_SECONDS: settings.upstreamKeepaliveSeconds,
    BUDGET_CLIENT_KEEPALIVE_SECONDS: budget.clientKeepaliveSeconds,
    BUDGET_PROXY_TIMEOUT_SECONDS: budget.proxyTimeoutSeconds,
    BUDGET_PROCESS_START_SECONDS: budget.processStartSeconds,
    BUDGET_ORPHAN_STOP_SECONDS: budget.orphanStopSeconds,
  };
  return Object.entries(values).map(([name, value]) => `${name}='${value}'`).join("\n") + "\n";
}

/** The budget of the runtime.json beside this module, with the environment's overrides. */
export function hostBudget(env: NodeJS.ProcessEnv = process.env): Budget {
  return deriveBudget(readSettings(join(__dirname, "runtime.json"), env));
}

// `node runtime/budget.js shell`: what the hooks eval. A bad setting is one line and exit 2.
if (require.main === module) {
  const usage = "usage: node runtime/budget.js shell   (prints the budget's values as NAME='value' lines)";
  if (process.argv[2] === "--help") {
    console.log(usage);
    process.exit(0);
  }
  if (process.argv.length !== 3 || process.argv[2] !== "shell") {
    console.error(`budget: unknown arguments ${JSON.stringify(process.argv.slice(2))}; ${usage}`);
    process.exit(2);
  }
  try {
    process.stdout.write(shellAssignments(hostBudget()));
  } catch (err) {
    console.error(err instanceof BudgetError ? err.message : String(err));
    process.exit(2);
  }
}
