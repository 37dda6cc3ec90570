/**
 * Realistic `pulumi stack export` files (deployment version 3) of the project's own stacks: the
 * real program run under mocks, written the way the Pulumi CLI writes state — a root stack
 * resource, a default aws provider carrying the region, each resource with inputs, outputs,
 * parent, dependencies, property dependencies and a provider reference. Tests break one thing
 * in such an export and run the offline gate on the file, as a platform team would.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { specialSecretSig as SECRET_SIG, specialSigKey as SIG_KEY } from "@pulumi/pulumi/runtime/rpc";
import { memoize } from "../lib/memo";
import { REPO_ROOT } from "../offline/sources";

/** @pulumi/pulumi's signature key and secret signature, as state files carry them (tests write secrets with them). */
export { SECRET_SIG, SIG_KEY };

interface SimulatedResource {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent?: string;
    inputs: Record<string, unknown>;
    outputs: Record<string, unknown>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    protect: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the infra program is outside the pack's TypeScript project
const { simulateStack } = require(path.join(REPO_ROOT, "infra", "simulate")) as {
    simulateStack(stack: string): Promise<{ project: string; stack: string; resources: SimulatedResource[]; outputs: Record<string, string> }>;
};

export interface ExportedResource {
    urn: string;
    type: string;
    custom: boolean;
    id?: string;
    external?: boolean;
    inputs: Record<string, any>;
    outputs: Record<string, any>;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    provider?: string;
}

export interface StackExport {
    version: 3;
    deployment: { manifest: Record<string, unknown>; secrets_providers: Record<string, unknown>; resources: ExportedResource[] };
}

/** Secrets as the state holds them: `{sig, value}` from the runtime becomes `{sig, plaintext}` (as --show-secrets prints). */
function stateForm(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(stateForm);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(obj.value) };
    return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined).map(([k, v]) => [k, stateForm(v)]));
}

async function build(stack: string): Promise<StackExport> {
    const sim = await simulateStack(stack);
    const region = sim.outputs.AWS_REGION;
    const root = sim.resources.find((r) => r.type === "pulumi:pulumi:Stack")!;
    const providerId = "04f0b2a4-4c9d-4b5e-9d3f-6a1c2b3d4e5f";
    const provider: ExportedResource = {
        urn: `urn:pulumi:${stack}::${sim.project}::pulumi:providers:aws::default_7_0_0`,
        type: "pulumi:providers:aws",
        custom: true,
        id: providerId,
        inputs: { region },
        outputs: { region },
    };
    const resources = sim.resources.map((r): ExportedResource => {
        const aws = r.custom && r.type.startsWith("aws:");
        const outputs = stateForm(r.outputs) as Record<string, any>;
        return {
            urn: r.urn,
            type: r.type,
            custom: r.custom,
            ...(r.custom ? { id: String(outputs.id ?? `${r.name}-id`) } : {}),
            inputs: stateForm(r.inputs) as Record<string, any>,
            outputs,
            ...(r.parent ? { parent: r.parent } : {}),
            dependencies: r.dependencies,
            propertyDependencies: r.propertyDependencies,
            ...(aws ? { provider: `${provider.urn}::${providerId}` } : {}),
        };
    });
    const ordered = [resources.find((r) => r.urn === root.urn)!, provider, ...resources.filter((r) => r.urn !== root.urn)];
    return {
        version: 3,
        deployment: { manifest: { time: "2026-11-28T12:00:00Z", magic: "", version: "v3.200.0" }, secrets_providers: { type: "passphrase" }, resources: ordered },
    };
}

/** The simulation runs once per stack and test process. */
const built = memoize(build);

/** A fresh copy of the stack's export. */
export async function stackExport(stack: "staging" | "production"): Promise<StackExport> {
    return structuredClone(await built(stack));
}

/** The resource whose URN ends with `::<name>`. */
export function resource(state: StackExport, name: string): ExportedResource {
    const r = state.deployment.resources.find((x) => x.urn.endsWith(`::${name}`));
    if (!r) throw new Error(`no resource named ${name} in the export`);
    return r;
}

/** Changes a JSON document property (a policy) in inputs and outputs alike, as a changed program would. */
export function editDocument(state: StackExport, name: string, prop: string, change: (doc: any) => void): void {
    const r = resource(state, name);
    for (const bag of [r.inputs, r.outputs]) {
        const doc = JSON.parse(bag[prop]);
        change(doc);
        bag[prop] = JSON.stringify(doc);
    }
}

/** Changes inputs and outputs alike. */
export function edit(state: StackExport, name: string, change: (props: Record<string, any>) => void): void {
    const r = resource(state, name);
    change(r.inputs);
    change(r.outputs);
}

const dir = mkdtempSync(path.join(tmpdir(), "policy-exports-"));
let count = 0;

/** Writes the export to a temporary file and returns its path. */
export function writeExport(state: StackExport): string {
    const file = path.join(dir, `export-${++count}.json`);
    writeFileSync(file, JSON.stringify(state, null, 1));
    return file;
}

/** Adds a resource (e.g. one a changed program would declare) and returns it. */
export function addResource(state: StackExport, r: ExportedResource): ExportedResource {
    state.deployment.resources.push(r);
    return r;
}

/** Renames a resource: its URN and every reference to it (parent, dependencies), as a renamed declaration would. */
export function rename(state: StackExport, from: string, to: string): void {
    const text = JSON.stringify(state.deployment.resources).split(`::${from}"`).join(`::${to}"`);
    state.deployment.resources = JSON.parse(text);
}
