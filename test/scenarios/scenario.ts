/**
 * One scenario: a world seeded from the stack as declared, the virtual clock installed, the
 * release CLI run in-process through `main()` of release/cli.ts with its real context (real SDK
 * clients reaching the model through AWS_ENDPOINT_URL, real `fetch` to the test listener, the
 * system clock that the fake timers drive), and the pipeline's own job scripts.
 *
 * `SCENARIO_REPORT=1` prints each scenario's simulated duration and AWS calls by operation.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../release/cli";
import { COLORS, type Color } from "../../release/colors";
import { loadPipeline, scriptLines, type Node, type Pipeline } from "../pipeline/gitlab-ci";
import { VirtualClock } from "./aws/clock";
import type { Group } from "./aws/autoscaling";
import type { Deployment, DeploymentGroup } from "./aws/codedeploy";
import { forwardWeights, type TargetGroup } from "./aws/elb";
import { revisionBody, type RevisionSpec } from "./aws/revision";
import { ProgramError, simulateStack, type SimulatedStack } from "../../infra/simulate";
import { readStackConfig } from "../../infra/stackFiles";
import type { RawConfig } from "../../infra/config";
import { ACCOUNT_ID, regionOf, seedWorld, simulated } from "./aws/seed";
import { applyStackUpdate } from "./aws/stack-update";
import { World } from "./aws/world";
import { Driver } from "./driver";

export interface CliResult {
  argv: string[];
  code: number;
  out: string[];
  err: string;
  startedAt: number;
  endedAt: number;
}

/** SDK settings a scenario owns for its duration (restored after): no real account, profile or endpoint leaks in. */
const AWS_ENV = [
  "AWS_ENDPOINT_URL",
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_ROLE_ARN",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_MAX_ATTEMPTS",
  "AWS_RETRY_MODE",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
];

/** .gitlab-ci.yml, parsed on first use and kept: the stories run its jobs and never change it. */
let parsedPipeline: Pipeline | undefined;
const pipeline = () => (parsedPipeline ??= loadPipeline());

/** A CI job's virtual time limit: GitLab's default job timeout. */
const JOB_TIMEOUT_MS = 60 * 60_000;

export interface ScenarioOptions {
  stack: "staging" | "production";
  seed?: number;
  /** Virtual start time; a fixed date keeps day boundaries (S3 lifecycle) the same each run. */
  start?: number;
}

export class Scenario {
  readonly runs: CliResult[] = [];
  private readonly savedEnv = new Map<string, string | undefined>();
  private readonly dir = mkdtempSync(join(tmpdir(), "bluegreen-scenario-"));

  private constructor(
    readonly name: string,
    readonly stack: ScenarioOptions["stack"],
    readonly clock: VirtualClock,
    readonly world: World,
    readonly driver: Driver,
    /** The release jobs' environment: the stack outputs (dotenv report), TEST_LISTENER_URL on the model. */
    readonly env: Record<string, string>,
    /** The stack as AWS holds it, as the last `pulumi up` left it: what the next one updates. */
    private deployed: SimulatedStack,
  ) {}

  /** The stack config the last `pulumi up` ran with (the stack file's, at first). */
  private config: RawConfig = {};

  /** Each color's min/max as the stack declares them (what "its configured minimum" means). */
  readonly declared = {} as Record<Color, { minSize: number; maxSize: number }>;

  static async create(name: string, options: ScenarioOptions): Promise<Scenario> {
    const sim = await simulated(options.stack);
    const seed = options.seed ?? 1;
    const clock = VirtualClock.install(options.start ?? Date.UTC(2026, 2, 2, 9, 0, 0), seed);
    const world = new World(clock, seed, regionOf(sim), ACCOUNT_ID);
    const outputs = seedWorld(world, sim);
    const { awsEndpoint, testListenerUrl } = await world.start();
    const driver = new Driver(clock, () => world.endpoint.hung);
    const scenario = new Scenario(name, options.stack, clock, world, driver, { ...outputs, TEST_LISTENER_URL: testListenerUrl }, sim);
    scenario.config = readStackConfig(options.stack);
    for (const color of COLORS) scenario.declared[color] = { minSize: scenario.group(color).minSize, maxSize: scenario.group(color).maxSize };
    scenario.setAwsEnv({
      AWS_ENDPOINT_URL: awsEndpoint,
      AWS_ACCESS_KEY_ID: "AKIDSCENARIO",
      AWS_SECRET_ACCESS_KEY: "scenario-secret",
      AWS_CONFIG_FILE: join(scenario.dir, "aws-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(scenario.dir, "aws-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    });
    return scenario;
  }

  private setAwsEnv(values: Record<string, string>) {
    for (const name of AWS_ENV) {
      this.savedEnv.set(name, process.env[name]);
      delete process.env[name];
    }
    Object.assign(process.env, values);
  }

  async close(): Promise<void> {
    this.driver.close();
    await this.world.close();
    this.clock.uninstall();
    for (const [name, value] of this.savedEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  // -------------------------------------------------------------------------------------------
  // Running the release tool

  /** `npm run release -- <argv>` as a job runs it; virtual time moves while it waits. */
  async cli(argv: string[], env: Record<string, string> = {}, maxVirtualMs = JOB_TIMEOUT_MS): Promise<CliResult> {
    const out: string[] = [];
    const err: string[] = [];
    const startedAt = this.clock.now();
    const stamp = () => `${((this.clock.now() - startedAt) / 1000).toFixed(0).padStart(5)}s`;
    const run = main(argv, {
      env: { ...this.env, ...env },
      log: (line) => out.push(`${stamp()} ${line}`),
      error: (line) => err.push(`${stamp()} ${line}`),
    });
    const code = await this.driver.run(run, maxVirtualMs, `release ${argv.join(" ")}`);
    const result = { argv, code, out, err: err.join("\n"), startedAt, endedAt: this.clock.now() };
    this.runs.push(result);
    if (process.env.SCENARIO_TRACE) console.log([`$ release ${argv.join(" ")}  -> exit ${code}`, ...out, ...err].join("\n"));
    return result;
  }

  /** Writes a "bundle" whose content tells the model what the release does (aws/revision.ts). */
  bundle(spec: RevisionSpec): string {
    const path = join(this.dir, `${spec.version}-${spec.behaviour}-${this.runs.length}.zip`);
    writeFileSync(path, revisionBody(spec));
    return path;
  }

  /** The variables a pipeline job sees for release `version`, as .gitlab-ci.yml defines them. */
  private jobVariables(definition: Node, version: string, bundlePath: string): Record<string, string> {
    const variables: Record<string, string> = { ...this.env, CI_COMMIT_SHA: version };
    for (const [name, value] of Object.entries({ ...pipeline().raw.variables, ...definition.variables })) variables[name] = expand(String(value), variables);
    variables.BUNDLE_PATH = bundlePath;
    return variables;
  }

  /**
   * Runs a pipeline job's `npm run release` lines in order, stopping at the first failure as the
   * job's shell does. `deploy:<stack>` uploads `spec` as the bundle; `switch:<stack>` moves traffic.
   */
  async job(kind: "deploy" | "switch", spec: RevisionSpec): Promise<CliResult[]> {
    return runInOrder(this.jobCommands(kind, spec));
  }

  /**
   * A release through the pipeline: the `deploy` job, then the `switch` job once deploy passed (a
   * failed job stops the pipeline there). Returns the results of both jobs' commands.
   */
  async deployAndSwitch(spec: RevisionSpec): Promise<CliResult[]> {
    const deployed = await this.job("deploy", spec);
    if (deployed.some((r) => r.code !== 0)) return deployed;
    return [...deployed, ...(await this.job("switch", spec))];
  }

  /** Runs a pipeline job that must succeed: the story stops, with the job's log, unless every command exits 0. */
  async jobPasses(kind: "deploy" | "switch", spec: RevisionSpec): Promise<CliResult[]> {
    const commands = this.jobCommands(kind, spec);
    const results = await runInOrder(commands);
    if (results.length !== commands.length || results.some((r) => r.code !== 0)) {
      throw new Error(`${kind}:${this.stack} failed: exits ${exits(results).join(",")}\n${jobLog(results)}`);
    }
    return results;
  }

  /** A job's `npm run release` lines, each ready to run (for stories that act between them). */
  jobCommands(kind: "deploy" | "switch", spec: RevisionSpec): (() => Promise<CliResult>)[] {
    const definition = this.pipelineJob(kind);
    const variables = this.jobVariables(definition, spec.version, kind === "deploy" ? this.bundle(spec) : "");
    return scriptLines(definition)
      .map((line) => /^npm run release -- (.*)$/.exec(line.trim())?.[1])
      .filter((args): args is string => args !== undefined)
      .map((args) => () => this.cli(shellWords(expand(args, variables)), { RELEASE_VERSION: variables.RELEASE_VERSION ?? spec.version }));
  }

  /** The `<kind>:<stack>` job of .gitlab-ci.yml. */
  private pipelineJob(kind: "deploy" | "switch"): Node {
    const job = pipeline().jobs.get(`${kind}:${this.stack}`);
    if (!job) throw new Error(`.gitlab-ci.yml has no job ${kind}:${this.stack}`);
    return job;
  }

  /** A pipeline variable of a job, e.g. SWITCH_BAKE_SECONDS of switch:staging. */
  pipelineVariable(kind: "deploy" | "switch", name: string): string {
    return String(this.pipelineJob(kind).variables?.[name] ?? "");
  }

  // -------------------------------------------------------------------------------------------
  // Time

  advance(ms: number): Promise<void> {
    return this.driver.advance(ms);
  }

  /** Lets the world run until `condition` holds (checked after every event), or fails after `maxMs`. */
  async until(condition: () => boolean, maxMs: number, what: string): Promise<void> {
    const deadline = this.clock.now() + maxMs;
    while (!condition()) {
      if (this.clock.now() >= deadline) throw new Error(`${this.name}: ${what} did not happen within ${maxMs / 1000}s of virtual time`);
      await this.driver.settle();
      if (!this.clock.fireNext()) throw new Error(`${this.name}: ${what}: nothing left to happen`);
    }
  }

  /** Runs `fn` `ms` of virtual time from now, whatever else is going on (a CLI run included). */
  at(ms: number, fn: () => void): void {
    this.clock.after(ms, fn);
  }

  // -------------------------------------------------------------------------------------------
  // Changing the world

  /** Production requests per second from now on. */
  setLoad(rps: number): void {
    this.world.traffic.setLoad(rps);
  }

  /**
   * Production traffic grows until `color` (the live one) runs four healthy instances: 200 requests
   * per second take it to three, 360 to four. Each step waits for the capacity it brings.
   */
  async trafficGrowsToFour(color: Color): Promise<void> {
    this.setLoad(200);
    await this.untilCapacity(color, 3);
    this.setLoad(360);
    await this.untilCapacity(color, 4);
  }

  /** Calls `fn` with the production weights each time a write changes them (traffic follows at once). */
  onProductionWeights(fn: (weights: Record<Color, number>) => void): void {
    this.world.observe((event) => {
      if (event.type === "listener-modified" && event.arn === this.world.productionListenerArn) fn(this.weights());
    });
  }

  /** A one-time scheduled action on a color's group, `ms` from now. */
  scheduleSizes(color: Color, name: string, ms: number, sizes: { minSize?: number; maxSize?: number; desiredCapacity?: number }): void {
    this.world.autoscaling.schedule(this.group(color), name, this.clock.now() + ms, sizes);
  }

  /** Lets the world run until the color has `count` healthy InService instances. */
  untilCapacity(color: Color, count: number, maxMs = 60 * 60_000): Promise<void> {
    return this.until(() => this.atCapacity(color, count), maxMs, `${color} at ${count} healthy instances`);
  }

  private atCapacity(color: Color, count: number): boolean {
    return this.inService(color) === count && this.healthyTargets(color) === count;
  }

  /**
   * Lets the world run until the color has `count` healthy InService instances, or until CodeDeploy's
   * deployment to one of its launches did not succeed (the launch is then abandoned, and the
   * group tries again and again): returns those failures, for the story to assert there are none.
   */
  async untilScaledOut(color: Color, count: number, maxMs = 60 * 60_000): Promise<string[]> {
    await this.until(() => this.failedLaunches(color).length > 0 || this.atCapacity(color, count), maxMs, `${color} at ${count} healthy instances`);
    return this.failedLaunches(color);
  }

  /**
   * `up:<stack>` after a merge request changed the stack file: `changes` on the config the last
   * `up` ran with (a key set to undefined is removed). The program runs as the `pulumi preview`
   * that `pulumi up` starts with: against the stack as AWS holds it, with the production weights
   * the live-color guard reads. A preview that fails changes nothing and returns its error;
   * otherwise the update reaches the world (aws/stack-update.ts). Takes no virtual time.
   */
  async up(changes: Record<string, string | undefined>): Promise<{ error?: string }> {
    const config: RawConfig = { ...this.config };
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined) delete config[key];
      else config[key] = value;
    }
    const run = simulateStack(this.stack, { config, deployed: { previous: this.deployed, productionWeights: this.weights() } }).then(
      (next) => ({ next }),
      (error: unknown) => {
        if (error instanceof ProgramError) return { error: error.message };
        throw error;
      },
    );
    const result = await this.driver.run(run, 10 * 60_000, `pulumi up of ${this.stack}`);
    if ("error" in result) return { error: result.error };
    this.deployed = applyStackUpdate(this.world, this.deployed, result.next);
    this.config = config;
    return {};
  }

  // -------------------------------------------------------------------------------------------
  // Reading the world

  targetGroup(color: Color): TargetGroup {
    return this.world.elb.targetGroup(this.env[`${color.toUpperCase()}_TARGET_GROUP_ARN`]!);
  }

  group(color: Color): Group {
    return this.world.autoscaling.group(this.env[`${color.toUpperCase()}_ASG_NAME`]!);
  }

  deploymentGroup(color: Color): DeploymentGroup {
    return this.world.codedeploy.group(this.env.CODEDEPLOY_APPLICATION_NAME!, this.env[`${color.toUpperCase()}_DEPLOYMENT_GROUP`]!);
  }

  inService(color: Color): number {
    return this.world.autoscaling.inService(this.group(color)).length;
  }

  healthyTargets(color: Color): number {
    return [...this.targetGroup(color).targets.values()].filter((t) => t.state === "healthy").length;
  }

  /** Production (or test) listener weights per color, as traffic follows them now. */
  weights(listener: "production" | "test" = "production"): Record<Color, number> {
    const arn = listener === "production" ? this.world.productionListenerArn : this.world.testListenerArn;
    const byArn = forwardWeights(this.world.elb.listener(arn).actions);
    return Object.fromEntries(COLORS.map((c) => [c, byArn.get(this.targetGroup(c).arn) ?? 0])) as Record<Color, number>;
  }

  /** CodeDeploy's deployments (creator `autoscaling`) to the color's launched instances. */
  launchDeployments(color: Color): Deployment[] {
    const group = this.deploymentGroup(color).name;
    return [...this.world.codedeploy.deployments.values()].filter((d) => d.group === group && d.creator === "autoscaling");
  }

  /** Those of them that were stopped or failed, each with CodeDeploy's reason and the failed events'. */
  failedLaunches(color: Color): string[] {
    return this.launchDeployments(color)
      .filter((d) => d.status === "Stopped" || d.status === "Failed")
      .map((d) => {
        const events = [...d.targets.values()].flatMap((t) => t.events.filter((e) => e.status === "Failed").map((e) => `${e.lifecycleEventName}: ${e.diagnostics?.message}`));
        return [`${color} ${d.id} ${d.status}: ${d.errorInformation?.message ?? ""}`, ...events].join("; ");
      });
  }

  rollbackAlarms(): string[] {
    return this.env.ROLLBACK_ALARM_NAMES!.split(",");
  }

  /** The release versions the color's running instances serve. */
  versions(color: Color): string[] {
    return this.world.autoscaling.inService(this.group(color)).map((i) => i.app.revision?.spec?.version ?? "none");
  }

  // -------------------------------------------------------------------------------------------
  // Setting the world up

  /**
   * An earlier release on both colors, deployed by driving the model directly (no release tool):
   * waits for the first instances, deploys `version` to both groups, and lets the alarms that saw
   * the fleets without an app settle, as they had long before any later release.
   */
  async installEverywhere(version: string): Promise<void> {
    await this.until(() => COLORS.every((c) => this.inService(c) >= this.group(c).desiredCapacity), 10 * 60_000, "first instances InService");
    const key = `revisions/${version}/bluegreen-revision.zip`;
    const object = this.world.s3.putObject(this.env.CODEDEPLOY_S3_BUCKET!, key, revisionBody({ version, behaviour: "ok" }));
    for (const color of COLORS) {
      this.world.codedeploy.create(this.deploymentGroup(color), { bucket: this.env.CODEDEPLOY_S3_BUCKET!, key, bundleType: "zip", version: object.versionId, eTag: object.etag }, "user", { description: `release ${version}` });
    }
    await this.until(() => COLORS.every((c) => this.healthyTargets(c) >= this.group(c).desiredCapacity), 10 * 60_000, `${version} healthy on both colors`);
    await this.advance(5 * 60_000);
    await this.until(() => this.rollbackAlarms().every((name) => this.world.cloudwatch.alarmState(name) === "OK"), 15 * 60_000, "rollback alarms OK");
  }

  /**
   * An established release: both fleets up, `live` serving `version` (released through the
   * pipeline's own deploy and switch jobs, so its verification is the tool's own record) and the
   * other color on `previous` (deployed by driving the model directly, as an earlier release
   * would have left it). No production load yet.
   */
  async establish(live: Color, version = "v1", previous = "v0"): Promise<void> {
    const other = live === "blue" ? "green" : "blue";
    await this.installEverywhere(previous);
    const tg = (c: Color) => this.targetGroup(c).arn;
    const allOn = (c: Color) => [{ Type: "forward", ForwardConfig: { TargetGroups: COLORS.map((x) => ({ TargetGroupArn: tg(x), Weight: x === c ? 100 : 0 })), TargetGroupStickinessConfig: { Enabled: false } } }];
    this.world.elb.setListenerActions(this.world.productionListenerArn, allOn(other));
    this.world.elb.setListenerActions(this.world.testListenerArn, allOn(live));
    await this.advance(this.world.elb.listenerReadLagMs);
    await this.jobPasses("deploy", { version, behaviour: "ok" });
    // One step and the shortest bake the alarms allow: the story starts after this release.
    const switched = await this.cli(["switch", "--steps", "100", "--bake", String(this.minimumBakeSeconds())], { RELEASE_VERSION: version });
    if (switched.code !== 0) throw new Error(`${this.name}: establishing ${version} on ${live} failed:\n${jobLog([switched])}`);
  }

  /**
   * The bake a guarding alarm needs to be able to fire: period × DatapointsToAlarm plus one
   * period for late datapoints (issue 8), over the stack's rollback alarms.
   */
  minimumBakeSeconds(): number {
    const metricAlarms = this.rollbackAlarms().flatMap((name) => this.world.cloudwatch.alarms.get(name) ?? []);
    return Math.max(...metricAlarms.map((alarm) => alarm.period * (alarm.datapointsToAlarm + 1)));
  }

  // -------------------------------------------------------------------------------------------
  // Report

  report(): { scenario: string; virtualSeconds: number; awsCalls: number; byOperation: Record<string, number> } {
    const byOperation = this.world.endpoint.callCounts();
    return {
      scenario: this.name,
      virtualSeconds: Math.round(this.clock.elapsedMs() / 1000),
      awsCalls: Object.values(byOperation).reduce((a, b) => a + b, 0),
      byOperation,
    };
  }
}

export const exits = (results: CliResult[]) => results.map((r) => r.code);

/** Runs commands one after another, stopping at the first that fails, as a job's shell does. */
async function runInOrder(commands: (() => Promise<CliResult>)[]): Promise<CliResult[]> {
  const results: CliResult[] = [];
  for (const command of commands) {
    const result = await command();
    results.push(result);
    if (result.code !== 0) break;
  }
  return results;
}

/** What a job printed, for an assertion's message: each command, its exit code, its last lines. */
export const jobLog = (results: CliResult[]) =>
  results.map((r) => [`$ release ${r.argv.join(" ")}  -> exit ${r.code}`, ...r.out.slice(-6), r.err].filter(Boolean).join("\n")).join("\n");

/** `$NAME` and `${NAME}` from `variables` (unset ones expand to nothing, as in the job's shell). */
function expand(text: string, variables: Record<string, string>): string {
  return text.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => variables[name] ?? "");
}

/** Splits a job line into words: double quotes group, unquoted empty expansions vanish. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

/**
 * Mocha glue: a fresh scenario per `describe`, closed (clock uninstalled, env restored, servers
 * stopped) whatever happens, its report printed with SCENARIO_REPORT=1, and any operation the
 * model does not implement turned into a failure.
 */
export function scenario(title: string, options: ScenarioOptions, body: (get: () => Scenario) => void): void {
  describe(title, function () {
    let current: Scenario | undefined;
    before(async function () {
      current = await Scenario.create(title, options);
    });
    after(async function () {
      if (!current) return;
      const unknown = current.world.endpoint.unknownOperations;
      if (process.env.SCENARIO_REPORT) console.log(`SCENARIO ${JSON.stringify(current.report())}`);
      await current.close();
      if (unknown.length) throw new Error(`the release tool called operations the AWS model does not implement: ${[...new Set(unknown)].join(", ")}`);
    });
    body(() => {
      if (!current) throw new Error("scenario not started");
      return current;
    });
  });
}
