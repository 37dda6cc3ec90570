import { parseArgs } from "node:util";
import { COLORS, type Color } from "./colors";
import { DEFAULT_HOLD_SECONDS } from "./capacity";
import { awsClients, fetchGet, systemClock, type ReleaseContext } from "./context";
import { ExitCode, ReleaseError, usageError } from "./errors";
import type { S3Revision } from "./aws/deployments";
import { readStackOutputs, type StackOutputs } from "./stack-outputs";
import { deploy } from "./commands/deploy";
import { rollback } from "./commands/rollback";
import { status } from "./commands/status";
import { switchTraffic } from "./commands/switch";
import { upload } from "./commands/upload";
import { verify } from "./commands/verify";
import { watch } from "./commands/watch";

export const USAGE = `usage: npm run release -- <command> [options]

Reads the stack outputs (ALB_LISTENER_ARN, ...) from the environment.

  status                                   live/idle color, listener weights, target health, last deployments
  upload   --bundle <zip> --revision s3://<bucket>/<key>
                                           upload the bundle to the stack's artifact bucket
  deploy   --revision s3://<bucket>/<key> [--timeout <s>=1800] [--poll <s>=15]
                                           CodeDeploy the revision to the idle color and wait for it
  verify   [--version <v>]                 idle color healthy, test listener serves /health/deep and version <v>
  switch   [--version <v>] [--steps 10,50,100] [--bake <s>=180] [--interval <s>=10]
           [--hold <s>=3600] [--capacity-timeout <s>=900]
                                           raise the idle color to the live color's capacity, then
                                           move production traffic to it; the old color's capacity
                                           is held until watch ends or --hold passes
  rollback [--to blue|green] [--force] [--capacity-timeout <s>=900]
                                           all production traffic back to the previous color
                                           (scaled first if it has fewer instances in service)
  watch    [--duration <s>=300] [--interval <s>=15] [--rollback] [--capacity-timeout <s>=900]
                                           watch the live color's alarms and targets after a switch;
                                           when clean, the idle color returns to its configured minimum

--version defaults to $RELEASE_VERSION, then $CI_COMMIT_SHA; it must be a valid ELB tag value.
--bake must be at least what the guarding alarms need to fire: period x datapoints to alarm + one period.
Exit codes: 0 done, 1 check, capacity or deployment failed (traffic restored or never moved),
2 bad usage or stack outputs (also: --bake too short, an unusable alarm in ROLLBACK_ALARM_NAMES),
3 refused (precondition, or a listener changed under this run: left as found),
4 needs a human (traffic left on a failing color: restore or rollback failed).`;

type Env = Record<string, string | undefined>;
type Values = Record<string, string | boolean | undefined>;

const OPTIONS = {
  bundle: { type: "string" },
  revision: { type: "string" },
  timeout: { type: "string" },
  poll: { type: "string" },
  version: { type: "string" },
  steps: { type: "string" },
  bake: { type: "string" },
  interval: { type: "string" },
  duration: { type: "string" },
  to: { type: "string" },
  force: { type: "boolean" },
  rollback: { type: "boolean" },
  hold: { type: "string" },
  "capacity-timeout": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

function seconds(values: Values, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== "string" || !/^\d+$/.test(raw)) throw usageError(`--${name} must be a whole number of seconds, got ${String(raw)}`);
  return Number(raw);
}

function required(values: Values, name: string): string {
  const raw = values[name];
  if (typeof raw !== "string" || raw === "") throw usageError(`--${name} is required`);
  return raw;
}

/**
 * `verify` writes the version into an ELB tag, after every check has passed: a value ELB refuses
 * would fail at that very last call. ELB tag values are letters, spaces, numbers and
 * `_ . : / = + - @`, at most 256 characters (elasticloadbalancing/latest/APIReference/API_Tag.html,
 * pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$).
 */
const ELB_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

// `||`, not `??`: an empty variable (a GitLab variable set to "") means "not given".
function optionalVersion(values: Values, env: Env): string | undefined {
  const [source, version] = (
    [
      ["--version", values.version as string | undefined],
      ["RELEASE_VERSION", env.RELEASE_VERSION],
      ["CI_COMMIT_SHA", env.CI_COMMIT_SHA],
    ] as const
  ).find(([, v]) => v) ?? [undefined, undefined];
  if (version !== undefined && !ELB_TAG_VALUE.test(version)) {
    const shown = version.length > 40 ? `${version.slice(0, 10)}… (${version.length} characters)` : version;
    throw usageError(
      `${source} "${shown}" cannot be an ELB tag value, where verify records it: use letters, digits, spaces and _ . : / = + - @, at most 256 characters`,
    );
  }
  return version;
}

function releaseVersion(values: Values, env: Env): string {
  const version = optionalVersion(values, env);
  if (!version) throw usageError("no release version: pass --version or set RELEASE_VERSION (CI sets CI_COMMIT_SHA)");
  return version;
}

/** How long a capacity wait may take before giving up (no traffic moved). */
const capacityTimeout = (values: Values) => seconds(values, "capacity-timeout", 900);

/** The latest a switch's capacity hold lasts; the hold-end action is scheduled for then (so: in the future). */
function holdSeconds(values: Values): number {
  const hold = seconds(values, "hold", DEFAULT_HOLD_SECONDS);
  if (hold < 60) throw usageError(`--hold must be at least 60 seconds, got ${hold}`);
  return hold;
}

function parseSteps(raw: string): number[] {
  const steps = raw.split(",").map((s) => s.trim());
  const numbers = steps.map(Number);
  const valid =
    steps.every((s) => /^\d+$/.test(s)) &&
    numbers.every((n, i) => n >= 1 && n <= 100 && (i === 0 || n > numbers[i - 1]!));
  if (!valid) throw usageError(`--steps must be ascending percentages between 1 and 100, like 10,50,100; got ${raw}`);
  return numbers;
}

/** s3://bucket/key in the stack's artifact bucket (the only bucket the deploy role can read). */
function parseRevision(raw: string, outputs: StackOutputs): S3Revision {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(raw);
  if (!match) throw usageError(`--revision must look like s3://<bucket>/<key>, got ${raw}`);
  const [, bucket, key] = match as unknown as [string, string, string];
  if (bucket !== outputs.artifactBucket) {
    throw usageError(`--revision bucket ${bucket} is not the stack's artifact bucket CODEDEPLOY_S3_BUCKET=${outputs.artifactBucket}`);
  }
  return { bucket, key };
}

function color(raw: string | boolean | undefined): Color | undefined {
  if (raw === undefined) return undefined;
  if (!COLORS.includes(raw as Color)) throw usageError(`--to must be blue or green, got ${String(raw)}`);
  return raw as Color;
}

const COMMANDS: Record<string, { options: string[]; run: (ctx: ReleaseContext, values: Values, env: Env) => Promise<void> }> = {
  status: { options: [], run: (ctx) => status(ctx) },
  upload: {
    options: ["bundle", "revision"],
    run: (ctx, v) =>
      upload(ctx, { bundle: required(v, "bundle"), revision: parseRevision(required(v, "revision"), ctx.outputs) }),
  },
  deploy: {
    options: ["revision", "timeout", "poll", "version"],
    run: (ctx, v, env) =>
      deploy(ctx, {
        revision: parseRevision(required(v, "revision"), ctx.outputs),
        description: `bluegreen release ${optionalVersion(v, env) ?? ""}`.trim(),
        timeoutSeconds: seconds(v, "timeout", 1800),
        pollSeconds: seconds(v, "poll", 15),
      }),
  },
  verify: { options: ["version"], run: (ctx, v, env) => verify(ctx, { version: releaseVersion(v, env) }) },
  switch: {
    options: ["version", "steps", "bake", "interval", "hold", "capacity-timeout"],
    run: (ctx, v, env) =>
      switchTraffic(ctx, {
        version: releaseVersion(v, env),
        steps: parseSteps((v.steps as string | undefined) ?? "10,50,100"),
        bakeSeconds: seconds(v, "bake", 180),
        checkIntervalSeconds: Math.max(1, seconds(v, "interval", 10)),
        holdSeconds: holdSeconds(v),
        timeoutSeconds: capacityTimeout(v),
      }),
  },
  rollback: {
    options: ["to", "force", "capacity-timeout"],
    run: (ctx, v) => rollback(ctx, { to: color(v.to), force: v.force === true, holdSeconds: DEFAULT_HOLD_SECONDS, timeoutSeconds: capacityTimeout(v) }),
  },
  watch: {
    options: ["duration", "interval", "rollback", "capacity-timeout"],
    run: (ctx, v) =>
      watch(ctx, {
        durationSeconds: seconds(v, "duration", 300),
        checkIntervalSeconds: Math.max(1, seconds(v, "interval", 15)),
        rollbackOnProblem: v.rollback === true,
        holdSeconds: DEFAULT_HOLD_SECONDS,
        timeoutSeconds: capacityTimeout(v),
      }),
  },
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

export interface CliDeps {
  env: Env;
  log: (line: string) => void;
  error: (line: string) => void;
  /** Builds the context from validated outputs; tests pass mocked clients and a fake clock. */
  context?: (outputs: StackOutputs, log: (line: string) => void) => ReleaseContext;
}

const realContext = (outputs: StackOutputs, log: (line: string) => void): ReleaseContext => ({
  outputs,
  aws: awsClients(outputs.region),
  clock: systemClock,
  httpGet: fetchGet,
  log,
});

/**
 * The causes behind an error, one line each. fetch reports every network failure as "TypeError:
 * fetch failed" and keeps the reason (TLS certificate, ECONNREFUSED, timeout) only in `cause`.
 */
function causeChain(error: Error): string {
  let text = "";
  for (let cause = error.cause, depth = 0; cause !== undefined && depth < 5; cause = (cause as Error).cause, depth++) {
    const c = cause as Error & { code?: unknown };
    text += `\n  caused by ${c instanceof Error ? `${c.name}: ${c.message}` : String(c)}${c.code ? ` (${String(c.code)})` : ""}`;
  }
  return text;
}

/** Runs one command and returns its exit code; never throws. */
export async function main(argv: string[], deps: CliDeps): Promise<ExitCode> {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    if (values.help) {
      deps.log(USAGE);
      return ExitCode.ok;
    }
    const [name, ...extra] = positionals;
    const command = name ? COMMANDS[name] : undefined;
    if (!command || extra.length) throw usageError(`${name ? `unknown command or extra arguments: ${positionals.join(" ")}` : "no command"}\n${USAGE}`);
    const stray = Object.keys(values).filter((option) => !command.options.includes(option));
    if (stray.length) throw usageError(`${name} does not take ${stray.map((o) => `--${o}`).join(", ")}\n${USAGE}`);

    const outputs = readStackOutputs(deps.env);
    const ctx = (deps.context ?? realContext)(outputs, deps.log);
    await command.run(ctx, values, deps.env);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof ReleaseError) {
      deps.error(`release: ${error.message}`);
      return error.exitCode;
    }
    if (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      deps.error(`release: ${error.message}\n${USAGE}`);
      return ExitCode.usage;
    }
    // AWS errors (AccessDenied, throttling, ...) keep their name: the runbook keys on it.
    const e = error as Error;
    deps.error(`release: ${e.name}: ${e.message}${causeChain(e)}`);
    return ExitCode.checkFailed;
  }
}

if (require.main === module) {
  const stamp = () => new Date().toISOString().slice(11, 19);
  main(process.argv.slice(2), {
    env: process.env,
    log: (line) => console.log(`${stamp()} ${line}`),
    error: (line) => console.error(`${stamp()} ${line}`),
  }).then((code) => {
    process.exitCode = code;
  });
}
