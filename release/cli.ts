import { parseArgs } from "node:util";
import { COLORS, type Color } from "./colors";
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
  switch   [--version <v>] [--steps 10,50,100] [--bake <s>=60] [--interval <s>=10]
                                           move production traffic to the verified idle color
  rollback [--to blue|green] [--force]     all production traffic back to the previous color
  watch    [--duration <s>=300] [--interval <s>=15] [--rollback]
                                           watch the live color's alarms and targets after a switch

--version defaults to $RELEASE_VERSION, then $CI_COMMIT_SHA.
Exit codes: 0 done, 1 check or deployment failed (traffic restored), 2 bad usage or stack outputs,
3 refused (precondition, or a listener changed under this run: left as found), 4 needs a human (traffic left on a failing color: restore or rollback failed).`;

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

// `||`, not `??`: an empty variable (a GitLab variable set to "") means "not given".
const optionalVersion = (values: Values, env: Env) =>
  (values.version as string | undefined) || env.RELEASE_VERSION || env.CI_COMMIT_SHA || undefined;

function releaseVersion(values: Values, env: Env): string {
  const version = optionalVersion(values, env);
  if (!version) throw usageError("no release version: pass --version or set RELEASE_VERSION (CI sets CI_COMMIT_SHA)");
  return version;
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
    options: ["version", "steps", "bake", "interval"],
    run: (ctx, v, env) =>
      switchTraffic(ctx, {
        version: releaseVersion(v, env),
        steps: parseSteps((v.steps as string | undefined) ?? "10,50,100"),
        bakeSeconds: seconds(v, "bake", 60),
        checkIntervalSeconds: Math.max(1, seconds(v, "interval", 10)),
      }),
  },
  rollback: {
    options: ["to", "force"],
    run: (ctx, v) => rollback(ctx, { to: color(v.to), force: v.force === true }),
  },
  watch: {
    options: ["duration", "interval", "rollback"],
    run: (ctx, v) =>
      watch(ctx, {
        durationSeconds: seconds(v, "duration", 300),
        checkIntervalSeconds: Math.max(1, seconds(v, "interval", 15)),
        rollbackOnProblem: v.rollback === true,
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
