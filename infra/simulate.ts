/**
 * Runs the real program for one stack under Pulumi's mocks, with that stack's real config, and
 * records every resource it registers: the offline twin of `pulumi preview` that `npm run plan`,
 * the offline policy gate and the tests share. No cloud account, no Pulumi CLI.
 *
 * Mocks return plausible ids and ARNs (infra/fakeCloud.ts); everything else a resource carries is
 * exactly what the program declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { parseStackConfig, type RawConfig } from "./config";
import { type DeployedState, FakeCloud } from "./fakeCloud";
import type { Color } from "./naming";
import { PIPELINE_OUTPUT_NAMES, type PipelineOutputs } from "./outputs";
import { defineStack } from "./stack";
import { projectName, readStackConfig } from "./stackFiles";

export interface SimulatedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    inputs: Record<string, any>;
    /** What the (mocked) provider returned: the properties a stack policy sees, as after `pulumi up`. */
    outputs: Record<string, any>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
    ignoreChanges: string[];
}

export interface SimulatedStack {
    project: string;
    stack: string;
    resources: SimulatedResource[];
    outputs: Record<string, string>;
}

/** The slice of the gRPC request the mock monitor receives that we record. */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getCustom(): boolean;
    getObject(): unknown;
    getProtect(): boolean | undefined;
    getDependenciesList(): string[];
    getIgnorechangesList(): string[];
    getPropertydependenciesMap(): { forEach(cb: (deps: { getUrnsList(): string[] }, key: string) => void): void };
}
type Callback = (err: Error | null, resp?: { getUrn(): string; getObject(): unknown }) => void;
interface Monitor {
    registerResource(req: RegisterRequest, cb: Callback): void;
}

/** The stack as a previous `pulumi up` left it in AWS, for a run that updates it. */
export interface DeployedWorld {
    /** The simulation of that earlier run: AWS holds its resources' inputs. */
    previous: SimulatedStack;
    /** The production listener's weights as the release tool has set them since (default: as created). */
    productionWeights?: Record<Color, number>;
}

export interface SimulateOptions {
    /** Raw config (default: the stack's Pulumi.<stack>.yaml). */
    config?: RawConfig;
    /** Without it the run is a first `pulumi up`: reads find what the run itself creates. */
    deployed?: DeployedWorld;
}

// The Pulumi runtime is process-global: simulations must not overlap.
let queue: Promise<unknown> = Promise.resolve();

export function simulateStack(stack: string, options: SimulateOptions = {}): Promise<SimulatedStack> {
    const run = queue.then(() => simulateOnce(stack, options.config ?? readStackConfig(stack), options.deployed));
    queue = run.catch(() => undefined);
    return run;
}

function deployedState(world: DeployedWorld): DeployedState {
    const { resources, outputs } = world.previous;
    const weights = world.productionWeights;
    return {
        inputsByName: new Map(resources.map((r) => [`${r.type}::${r.name}`, r.inputs])),
        listenerTargets: new Map(
            weights
                ? [[outputs.ALB_LISTENER_ARN, [{ arn: outputs.BLUE_TARGET_GROUP_ARN, weight: weights.blue }, { arn: outputs.GREEN_TARGET_GROUP_ARN, weight: weights.green }]]]
                : [],
        ),
    };
}

async function simulateOnce(stack: string, config: RawConfig, deployed?: DeployedWorld): Promise<SimulatedStack> {
    const project = projectName();
    // Validate first, so bad config fails with the config message rather than inside the runtime.
    const cfg = parseStackConfig(project, stack, config);
    const cloud = new FakeCloud(cfg.region, deployed && deployedState(deployed));
    await pulumi.runtime.setMocks(cloud, project, stack, false);
    pulumi.runtime.setAllConfig(config);

    const resources: SimulatedResource[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as Monitor;
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) =>
        register(req, (err, resp) => {
            if (!err && resp) resources.push(record(req, resp));
            cb(err, resp);
        });

    // A check that fails the program (the live-color guard) rejects an output nothing awaits; the
    // CLI's language host reports such a rejection as the program's error, and so does this.
    const failures: unknown[] = [];
    const collect = (reason: unknown) => failures.push(reason);
    process.on("unhandledRejection", collect);
    let outputs: Record<string, string>;
    try {
        const exported = (await pulumi.runtime.runInPulumiStack(async () => defineStack(cfg))) as PipelineOutputs;
        outputs = await resolveOutputs(exported);
        // Let the stack's own output registration finish, as the CLI's language host does at exit.
        await pulumi.runtime.disconnect();
        await new Promise((resolve) => setImmediate(resolve));
    } finally {
        process.off("unhandledRejection", collect);
    }
    if (failures.length > 0) throw new ProgramError(failures[0]);
    return { project, stack, resources, outputs };
}

/** The program failed under mocks as it would under the CLI; the message is the program's own. */
export class ProgramError extends Error {
    constructor(reason: unknown) {
        // The runtime prefixes the path through which it met the rejection.
        super(String(reason instanceof Error ? reason.message : reason).replace(/^(error serializing property "[^"]*": )+/, ""));
        this.name = "ProgramError";
    }
}

function record(req: RegisterRequest, resp: { getUrn(): string; getObject(): unknown }): SimulatedResource {
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
        propertyDependencies[key] = deps.getUrnsList();
    });
    return {
        urn: resp.getUrn(),
        type: req.getType(),
        name: req.getName(),
        custom: req.getCustom(),
        parent: req.getParent() || undefined,
        inputs: pulumi.runtime.deserializeProperties(req.getObject() as never),
        outputs: pulumi.runtime.deserializeProperties(resp.getObject() as never),
        dependencies: req.getDependenciesList(),
        propertyDependencies,
        protect: req.getProtect() ?? false,
        ignoreChanges: req.getIgnorechangesList(),
    };
}

async function resolveOutputs(exported: PipelineOutputs): Promise<Record<string, string>> {
    const values = await new Promise<Record<string, unknown>>((resolve) => pulumi.output(exported).apply((v) => resolve(v as Record<string, unknown>)));
    const outputs: Record<string, string> = {};
    for (const name of Object.keys(values)) {
        const value = values[name];
        if (typeof value !== "string") throw new Error(`stack output ${name} resolved to ${JSON.stringify(value)}, not a string`);
        outputs[name] = value;
    }
    const missing = PIPELINE_OUTPUT_NAMES.filter((n) => !(n in outputs));
    if (missing.length) throw new Error(`stack outputs missing: ${missing.join(", ")}`);
    return outputs;
}
