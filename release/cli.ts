/**
 * `npm run release -- <command> [flags]`: the blue/green release tool. Each subcommand declares
 * its flags below; they are checked before the stack outputs are read or AWS is called.
 */
import { command, type Command, UsageError } from "../cli/command";
import { type Flags, inputFile, integerList, oneOf, seconds, text, toggle, type Values } from "../cli/flags";
import { exitWith, type Io, processIo, runGroup } from "../cli/run";
import { COLORS } from "./colors";
import { DEFAULT_HOLD_SECONDS } from "./capacity";
import { awsClients, fetchGet, systemClock, type ReleaseContext } from "./context";
import { ExitCode, usageError } from "./errors";
import type { S3Revision } from "./aws/deployments";
import { readStackOutputs, type StackOutputs } from "./stack-outputs";
import { deploy } from "./commands/deploy";
import { rollback } from "./commands/rollback";
import { status } from "./commands/status";
import { switchTraffic } from "./commands/switch";
import { upload } from "./commands/upload";
import { verify } from "./commands/verify";
import { watch } from "./commands/watch";

type Env = Record<string, string | undefined>;

/** What a subcommand does once its flags are valid and the stack outputs are read. */
type Run<F extends Flags> = (ctx: ReleaseContext, values: Values<F>, env: Env) => Promise<void>;
type Subcommand<F extends Flags = any> = Command<F> & { run: Run<F> };

/** Exit codes shared by every subcommand (release/errors.ts says what each covers). */
const EXIT_CODES = {
  [ExitCode.ok]: "done, or nothing to do",
  [ExitCode.checkFailed]: "a check, capacity wait or deployment failed (traffic put back, or never moved), or an AWS error (its name is printed)",
  [ExitCode.usage]: "bad usage or stack outputs, a --bake or --duration shorter than the guarding alarms need, or an unusable alarm in ROLLBACK_ALARM_NAMES: nothing was changed",
  [ExitCode.refused]: "refused: a precondition does not hold, or a listener changed under this run (left as found)",
  [ExitCode.manualInterventionRequired]: "needs a human: traffic stays on a failing color (restoring or rolling back failed)",
};

function subcommand<F extends Flags>(name: string, spec: { summary: string; flags: F; check?: (values: Values<F>) => void; run: Run<F> }): Subcommand<F> {
  return { ...command({ name: `release ${name}`, invocation: `npm run release -- ${name}`, exitCodes: EXIT_CODES, ...spec }), run: spec.run };
}

/**
 * `verify` writes the version into an ELB tag, after every check has passed: a value ELB refuses
 * would fail at that very last call. ELB tag values are letters, spaces, numbers and
 * `_ . : / = + - @`, at most 256 characters (elasticloadbalancing/latest/APIReference/API_Tag.html,
 * pattern ^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$).
 */
const ELB_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,256}$/u;

// Flags several subcommands share.
const version = text("the release version (the bundle's version.json)", {
  placeholder: "<v>",
  pattern: ELB_TAG_VALUE,
  allowed: "an ELB tag value: letters, digits, spaces and _ . : / = + - @, at most 256 characters",
}).defaultsTo("$RELEASE_VERSION, then $CI_COMMIT_SHA");
const revision = text("the revision in the stack's artifact bucket (CODEDEPLOY_S3_BUCKET)", {
  placeholder: "s3://<bucket>/<key>",
  pattern: /^s3:\/\/[^/]+\/.+$/,
  allowed: "s3://<bucket>/<key>",
}).required();
/** How long a capacity wait may take before giving up (no traffic moved). */
const capacityTimeout = seconds("give up waiting for a color's capacity after this long (no traffic moves)", { min: 1, max: 86_400 }).default(900);
const checkEvery = (fallback: number) => seconds("pause between checks of alarms and targets", { min: 1, max: 3600 }).default(fallback);


// `||`, not `??`: an empty variable (a GitLab variable set to "") means "not given".
function optionalVersion(given: string | undefined, env: Env): string | undefined {
  const [source, found] = (
    [
      ["--version", given],
      ["RELEASE_VERSION", env.RELEASE_VERSION],
      ["CI_COMMIT_SHA", env.CI_COMMIT_SHA],
    ] as const
  ).find(([, v]) => v) ?? [undefined, undefined];
  if (found !== undefined && !ELB_TAG_VALUE.test(found)) {
    const shown = found.length > 40 ? `${found.slice(0, 10)}… (${found.length} characters)` : found;
    throw usageError(
      `${source} "${shown}" cannot be an ELB tag value, where verify records it: use letters, digits, spaces and _ . : / = + - @, at most 256 characters`,
    );
  }
  return found;
}

function releaseVersion(given: string | undefined, env: Env): string {
  const found = optionalVersion(given, env);
  if (!found) throw usageError("no release version: pass --version or set RELEASE_VERSION (CI sets CI_COMMIT_SHA)");
  return found;
}

/** The bucket must be the stack's artifact bucket (the only bucket the deploy role can read). */
function inArtifactBucket(raw: string, outputs: StackOutputs): S3Revision {
  const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(raw) as unknown as [string, string, string];
  if (bucket !== outputs.artifactBucket) {
    throw usageError(`--revision bucket ${bucket} is not the stack's artifact bucket CODEDEPLOY_S3_BUCKET=${outputs.artifactBucket}`);
  }
  return { bucket, key };
}

const SUBCOMMANDS = {
  status: subcommand("status", {
    summary: "live/idle color, listener weights, target health, last deployments",
    flags: {},
    run: (ctx) => status(ctx),
  }),
  upload: subcommand("upload", {
    summary: "upload the bundle to the stack's artifact bucket",
    flags: {
      bundle: inputFile("the revision zip `npm run bundle` built", { placeholder: "<zip>" }).required(),
      revision,
    },
    run: (ctx, v) => upload(ctx, { bundle: v.bundle, revision: inArtifactBucket(v.revision, ctx.outputs) }),
  }),
  deploy: subcommand("deploy", {
    summary: "CodeDeploy the revision to the idle color and wait for it",
    flags: {
      revision,
      timeout: seconds("give up waiting for the deployment after this long", { min: 1, max: 86_400 }).default(1800),
      poll: seconds("pause between reads of the deployment's status", { min: 1, max: 300 }).default(15),
      version: text("named in the deployment's description", { placeholder: "<v>" }).defaultsTo("$RELEASE_VERSION, then $CI_COMMIT_SHA"),
    },
    check: (v) => {
      if (v.poll > v.timeout) throw new UsageError(`--poll ${v.poll} must not exceed --timeout ${v.timeout}`);
    },
    run: (ctx, v, env) =>
      deploy(ctx, {
        revision: inArtifactBucket(v.revision, ctx.outputs),
        description: `bluegreen release ${optionalVersion(v.version, env) ?? ""}`.trim(),
        timeoutSeconds: v.timeout,
        pollSeconds: v.poll,
      }),
  }),
  verify: subcommand("verify", {
    summary: "idle color healthy, test listener serves /health/deep and version <v>",
    flags: { version },
    run: (ctx, v, env) => verify(ctx, { version: releaseVersion(v.version, env) }),
  }),
  switch: subcommand("switch", {
    summary: "move production traffic to the verified idle color",
    flags: {
      version,
      steps: integerList("traffic percentages on the new color, one step after another", { min: 1, max: 100, ascending: true, example: "10,50,100" }).default([10, 50, 100]),
      bake: seconds("how long each step holds while alarms and targets are checked; at least what the guarding alarms need to fire", { min: 0, max: 86_400 }).default(180),
      interval: checkEvery(10),
      hold: seconds("the latest the old color's capacity is held after the switch (a scheduled action returns it)", { min: 60, max: 604_800 }).default(DEFAULT_HOLD_SECONDS),
      "capacity-timeout": capacityTimeout,
    },
    run: (ctx, v, env) =>
      switchTraffic(ctx, {
        version: releaseVersion(v.version, env),
        steps: v.steps,
        bakeSeconds: v.bake,
        checkIntervalSeconds: v.interval,
        holdSeconds: v.hold,
        timeoutSeconds: v["capacity-timeout"],
      }),
  }),
  rollback: subcommand("rollback", {
    summary: "all production traffic back to the previous color",
    flags: {
      to: oneOf(COLORS, "the color to put all traffic on", "<color>").defaultsTo("the color live before the last switch"),
      force: toggle("skip the checks that the color is unchanged since, healthy and large enough"),
      "capacity-timeout": capacityTimeout,
    },
    run: (ctx, v) => rollback(ctx, { to: v.to, force: v.force, holdSeconds: DEFAULT_HOLD_SECONDS, timeoutSeconds: v["capacity-timeout"] }),
  }),
  watch: subcommand("watch", {
    summary: "watch the live color's alarms and targets after a switch",
    flags: {
      duration: seconds("how long to watch; at least what the watched color's alarms need to fire", { min: 1, max: 86_400 }).default(300),
      interval: checkEvery(15),
      rollback: toggle("roll back on the first problem"),
      "capacity-timeout": capacityTimeout,
    },
    run: (ctx, v) =>
      watch(ctx, {
        durationSeconds: v.duration,
        checkIntervalSeconds: v.interval,
        rollbackOnProblem: v.rollback,
        holdSeconds: DEFAULT_HOLD_SECONDS,
        timeoutSeconds: v["capacity-timeout"],
      }),
  }),
};

export const RELEASE = {
  name: "release",
  invocation: "npm run release --",
  summary: "The blue/green release tool: deploy to the idle color, verify it, move traffic, watch, roll back.",
  exitCodes: EXIT_CODES,
  notes: [
    "Reads the stack outputs (ALB_LISTENER_ARN, ...) from the environment: `npm run outputs:dotenv` writes them.",
    "--version defaults to $RELEASE_VERSION, then $CI_COMMIT_SHA; it must be a valid ELB tag value.",
    "switch raises the idle color to the live color's capacity before moving traffic and holds the old color's capacity until watch ends or --hold passes.",
    "--bake must be at least what the guarding alarms need to fire: period x datapoints to alarm + one period.",
  ],
  subcommands: SUBCOMMANDS,
};

export const COMMAND_NAMES = Object.keys(SUBCOMMANDS);

export interface CliDeps {
  env: Env;
  /** Progress lines of a running command. */
  log: (line: string) => void;
  /** The line that says why a command failed. */
  error: (line: string) => void;
  /** Help and usage errors, printed as they are (defaults to log and error). */
  io?: Io;
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

/** Runs one command and returns its exit code; never throws. */
export async function main(argv: string[], deps: CliDeps): Promise<ExitCode> {
  const code = await runGroup(
    RELEASE,
    argv,
    async (chosen, values) => {
      const outputs = readStackOutputs(deps.env);
      const ctx = (deps.context ?? realContext)(outputs, deps.log);
      await (chosen as Subcommand).run(ctx, values, deps.env);
      return ExitCode.ok;
    },
    { io: deps.io ?? { out: deps.log, err: deps.error }, report: deps.error },
  );
  return code as ExitCode;
}

if (require.main === module) {
  // Progress and failures carry the time (a CI log shows how long each wait took); help does not.
  const stamp = () => new Date().toISOString().slice(11, 19);
  exitWith(
    main(process.argv.slice(2), {
      env: process.env,
      log: (line) => console.log(`${stamp()} ${line}`),
      error: (line) => console.error(`${stamp()} ${line}`),
      io: processIo,
    }),
  );
}
