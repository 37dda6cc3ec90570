/**
 * The two inputs of the offline gate, read into the one shape the analyzer adapter takes:
 * a `pulumi stack export` file (deployment version 3), or the real program run under Pulumi mocks
 * with a stack's config (infra/simulate.ts). Either way each resource carries its inputs (what the
 * engine analyzes a resource with), its outputs (what it analyzes the stack with) and its
 * provider (whose props carry the region).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { SourceResource } from "./analyzer";
import { fromState } from "./secrets";

/** Bad usage or unreadable input: the gate exits 2 with this message. */
export class InputError extends Error {}

export interface Source {
    stack?: string;
    resources: SourceResource[];
}

interface ExportedResource {
    urn?: unknown;
    type?: unknown;
    id?: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    protect?: boolean;
    delete?: boolean;
    /** A resource read with `.get` (not managed by the stack). */
    external?: boolean;
    provider?: string;
}

/** `urn:pulumi:<stack>::<project>::<type>::<name>` → stack. */
export function stackFromUrn(urn: string): string | undefined {
    return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

const isProvider = (type: string) => type.startsWith("pulumi:providers:");

export function readStackExport(file: string): Source {
    let text: string;
    try {
        text = readFileSync(file, "utf8");
    } catch (e) {
        throw new InputError(`cannot read stack export ${file}: ${(e as Error).message}`);
    }
    let parsed: { version?: unknown; deployment?: { resources?: unknown } };
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        throw new InputError(`stack export ${file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null) throw new InputError(`stack export ${file} is not a JSON object`);
    if (parsed.version !== 3) {
        throw new InputError(`stack export ${file} has deployment version ${JSON.stringify(parsed.version)}; only version 3 (\`pulumi stack export\`) is supported`);
    }
    const list = parsed.deployment?.resources ?? [];
    if (!Array.isArray(list)) throw new InputError(`stack export ${file}: deployment.resources is not a list`);
    (list as ExportedResource[]).forEach((r, i) => {
        if (typeof r.urn !== "string" || typeof r.type !== "string") throw new InputError(`stack export ${file}: deployment.resources[${i}] has no urn or type`);
    });
    // Resources pending deletion are on their way out; the engine analyzes neither them nor providers.
    // Nor resources read with `.get` (external): the engine sends them to no policy pack, neither
    // to `analyze` nor to `analyzeStack` (pulumi/pulumi#3950), so a policy cannot lean on them.
    const live = (list as (ExportedResource & { urn: string; type: string })[]).filter((r) => !r.delete && !r.external);
    const providers = new Map<string, SourceResource["provider"]>();
    for (const p of live.filter((r) => isProvider(r.type))) {
        providers.set(`${p.urn}::${p.id}`, { urn: p.urn, type: p.type, props: fromState(p.outputs ?? p.inputs ?? {}, []) as Record<string, unknown> });
    }
    const resources = live
        .filter((r) => !isProvider(r.type))
        .map((r): SourceResource => {
            const ciphertext: string[] = [];
            return {
                urn: r.urn,
                type: r.type,
                inputs: fromState(r.inputs ?? {}, ciphertext) as Record<string, unknown>,
                outputs: fromState(r.outputs ?? {}, ciphertext) as Record<string, unknown>,
                parent: r.parent,
                dependencies: r.dependencies ?? [],
                propertyDependencies: r.propertyDependencies ?? {},
                protect: r.protect,
                provider: r.provider ? providers.get(r.provider) : undefined,
                ciphertext: [...new Set(ciphertext)],
            };
        });
    return { stack: resources.length > 0 ? stackFromUrn(resources[0].urn) : undefined, resources };
}

/** What this module needs of infra/simulate.ts (loaded at run time: it is not part of the pack). */
interface Simulator {
    simulateStack(stack: string): Promise<{ stack: string; resources: (SourceResource & { ignoreChanges?: string[] })[] }>;
}

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export async function simulate(stack: string): Promise<Source> {
    // Loaded at run time so the pack's TypeScript project does not compile the infra program.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const simulator = require(path.join(REPO_ROOT, "infra", "simulate")) as Simulator;
    try {
        const sim = await simulator.simulateStack(stack);
        return { stack: sim.stack, resources: sim.resources };
    } catch (e) {
        throw new InputError(`cannot run the program for stack "${stack}" under mocks: ${(e as Error).message}`);
    }
}
