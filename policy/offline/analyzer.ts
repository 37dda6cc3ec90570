/**
 * The verdicts of the offline gate, the tests and `npm run plan` come from @pulumi/policy's own
 * analyzer service (server.js `serve`), called the way the Pulumi CLI calls it over gRPC:
 *   configure(every policy's level and properties) → configureStack(tags) →
 *   analyze(each resource with its inputs) → analyzeStack(every resource with its outputs).
 * The service object is the one `serve` registers with its gRPC server; it is called in-process
 * (no socket: a loopback round trip per resource cost more than the 5,000-resource budget), and
 * each evaluation serves its own instance, so config never leaks between evaluations.
 *
 * What stays here is the engine's side of the contract: which properties each call carries (the
 * engine analyzes resources with their inputs and the stack with its resources' outputs), how
 * diagnostics come back, and the engine's filing of a stack diagnostic without a URN under the
 * root stack resource.
 */
import type { Policies } from "@pulumi/policy";
import { existsSync } from "node:fs";
import * as path from "node:path";
import packageJson from "../package.json";
import { PACK_NAME, policies as packPolicies } from "../policies";
import { loadPolicyConfig, type PolicyPackConfigFile, reconcileConfig, stackConfigPath } from "./config";
import { findSecretNeeded } from "./secrets";

/* eslint-disable @typescript-eslint/no-require-imports -- internal modules of @pulumi/policy and the protobuf classes it speaks (no typings) */
const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb");
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
const protoutil = require("@pulumi/policy/protoutil") as { mapEnforcementLevel(level: string): number; convertEnforcementLevel(level: number): string };
/* eslint-enable @typescript-eslint/no-require-imports */

export { UNKNOWN } from "../lib/unknowns";

/** One resource as a stack export or the mocked program describes it. */
export interface SourceResource {
    urn: string;
    type: string;
    /** Logical name; derived from the URN when absent. */
    name?: string;
    /** What `analyze` sees: the resource's inputs. */
    inputs: Record<string, unknown>;
    /** What `analyzeStack` sees: the resource's outputs (after `up`, or as previewed); the inputs when absent. */
    outputs?: Record<string, unknown>;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    protect?: boolean;
    ignoreChanges?: string[];
    /** The provider resource the engine hands along with each resource (its props carry the region). */
    provider?: { urn: string; type: string; props: Record<string, unknown> };
    /** Property paths (`policy`, `inlinePolicies.0.policy`) whose value an export holds only as ciphertext. */
    ciphertext?: string[];
}

export interface Violation {
    policy: string;
    /** Only these two reach a report: "remediate" is reported as mandatory, "disabled" never runs. */
    enforcementLevel: "advisory" | "mandatory";
    urn?: string;
    /** As the CLI prints it: the policy's description, then the specific finding. */
    message: string;
}

export interface EvaluateOptions {
    /** Stack name: without `config`, its own policy/config/<stack>.json applies (if there is one). */
    stack?: string;
    /** A parsed CrossGuard policy-config file (see loadPolicyConfig); else the stack's, else pack defaults. */
    config?: PolicyPackConfigFile;
    stackTags?: Record<string, string>;
    /** Serve these policies instead of the pack's (tests of the adapter itself). */
    policies?: Policies;
}

/** A policy threw something other than an unknown-value read or notApplicable: the CLI fails the preview. */
export class PolicyCrashError extends Error {}

export function nameFromUrn(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

type Handler = (call: { request: unknown }, callback: (err: Error | null | undefined, response?: any) => void) => void;
type AnalyzerService = Record<"analyze" | "analyzeStack" | "configure" | "configureStack", Handler>;

const SERVER = require.resolve("@pulumi/policy/server");

/**
 * Runs @pulumi/policy's `serve` and keeps the service implementation it registers, without
 * binding a port. A fresh instance of server.js per call: `serve` refuses a second pack per
 * process, and the configured policy settings are module state.
 */
function serve(policies: Policies): AnalyzerService {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the grpc-js that server.js itself loads
    const grpc = require(require.resolve("@grpc/grpc-js", { paths: [path.dirname(SERVER)] }));
    const proto = grpc.Server.prototype;
    const { addService, bindAsync } = proto;
    const cached = require.cache[SERVER];
    let service: AnalyzerService | undefined;
    proto.addService = (_definition: unknown, implementation: AnalyzerService) => (service = implementation);
    proto.bindAsync = () => undefined;
    try {
        delete require.cache[SERVER];
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        (require(SERVER) as { serve(...args: unknown[]): void }).serve(PACK_NAME, packageJson.version, "advisory", { policies });
    } finally {
        proto.addService = addService;
        proto.bindAsync = bindAsync;
        if (cached) require.cache[SERVER] = cached;
    }
    if (!service) throw new Error("@pulumi/policy's serve() registered no analyzer service");
    return service;
}

function call(handler: Handler, request: unknown): Promise<any> {
    return new Promise((resolve, reject) => handler({ request }, (err, response) => (err ? reject(err) : resolve(response))));
}

/**
 * The engine's properties as JSON. The server only ever reads a request's properties through
 * `Struct.toJavaScript()`, so the JSON is handed over as that result directly: the protobuf
 * encode/decode of every resource twice would be the same JSON again, at most of the gate's time.
 */
class JsonStruct extends Struct {
    constructor(private readonly json: Record<string, unknown>) {
        super();
    }
    toJavaScript(): Record<string, unknown> {
        return this.json;
    }
}

/** JSON as it crosses the wire: undefined members dropped, undefined list items null. */
export function wire(value: unknown): any {
    if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : wire(v)));
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = wire(v);
    return out;
}

function options(r: SourceResource) {
    const o = new analyzerProto.AnalyzerResourceOptions();
    o.setProtect(r.protect ?? false);
    o.setIgnorechangesList(r.ignoreChanges ?? []);
    if (r.parent) o.setParent(r.parent);
    return o;
}

function provider(r: SourceResource) {
    if (!r.provider) return undefined;
    const p = new analyzerProto.AnalyzerProviderResource();
    p.setType(r.provider.type);
    p.setUrn(r.provider.urn);
    p.setName(nameFromUrn(r.provider.urn));
    p.setProperties(new JsonStruct(wire(r.provider.props)));
    return p;
}

/** What `analyze`'s request and `analyzeStack`'s resources both carry: the resource with the given properties. */
function describeResource(m: any, r: SourceResource, properties: Record<string, unknown>): any {
    m.setType(r.type);
    m.setUrn(r.urn);
    m.setName(r.name ?? nameFromUrn(r.urn));
    m.setProperties(new JsonStruct(wire(properties)));
    m.setOptions(options(r));
    const p = provider(r);
    if (p) m.setProvider(p);
    return m;
}

function analyzeRequest(r: SourceResource) {
    return describeResource(new analyzerProto.AnalyzeRequest(), r, r.inputs);
}

function stackResource(r: SourceResource) {
    const res = describeResource(new analyzerProto.AnalyzerResource(), r, r.outputs ?? r.inputs);
    if (r.parent) res.setParent(r.parent);
    res.setDependenciesList(r.dependencies ?? []);
    const deps = res.getPropertydependenciesMap();
    for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) {
        const d = new analyzerProto.AnalyzerPropertyDependencies();
        d.setUrnsList(urns);
        deps.set(prop, d);
    }
    return res;
}

function configureRequest(settings: ReturnType<typeof reconcileConfig>) {
    const req = new analyzerProto.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    for (const [name, s] of settings) {
        const c = new analyzerProto.PolicyConfig();
        c.setEnforcementlevel(protoutil.mapEnforcementLevel(s.enforcementLevel));
        c.setProperties(Struct.fromJavaScript(s.properties));
        map.set(name, c);
    }
    return req;
}

function stackConfigureRequest(stack: string | undefined, tags: Record<string, string>) {
    const req = new analyzerProto.AnalyzerStackConfigureRequest();
    if (stack) req.setStack(stack);
    req.setDryRun(true);
    const map = req.getTagsMap();
    for (const [k, v] of Object.entries(tags)) map.set(k, v);
    return req;
}

function violations(response: any): Violation[] {
    return response.getDiagnosticsList().map((d: any): Violation => {
        const level = protoutil.convertEnforcementLevel(d.getEnforcementlevel());
        return {
            policy: d.getPolicyname(),
            enforcementLevel: level === "advisory" ? "advisory" : "mandatory",
            urn: d.getUrn() || undefined,
            message: d.getMessage(),
        };
    });
}

/**
 * Evaluates every enabled policy on `resources`. Throws PolicyConfigError (bad config),
 * PolicyCrashError (a broken policy) or SecretNeededError (a policy needed a value an export
 * holds only as ciphertext).
 */
export async function evaluate(resources: readonly SourceResource[], opts: EvaluateOptions = {}): Promise<Violation[]> {
    const policies = opts.policies ?? packPolicies;
    const stackConfig = opts.stack === undefined ? undefined : stackConfigPath(opts.stack);
    const config = opts.config ?? (stackConfig && existsSync(stackConfig) ? loadPolicyConfig(stackConfig) : undefined);
    const settings = reconcileConfig(policies, config);
    const service = serve(policies);
    const out: Violation[] = [];
    try {
        await call(service.configure, configureRequest(settings));
        await call(service.configureStack, stackConfigureRequest(opts.stack, opts.stackTags ?? {}));
        // A resource diagnostic is about the resource analyzed: the engine files it under that URN.
        for (const r of resources) {
            for (const v of violations(await call(service.analyze, analyzeRequest(r)))) out.push({ ...v, urn: v.urn ?? r.urn });
        }
        const stackRequest = new analyzerProto.AnalyzeStackRequest();
        stackRequest.setResourcesList(resources.map(stackResource));
        const stackViolations = violations(await call(service.analyzeStack, stackRequest));
        // The engine files a stack diagnostic without a URN of this stack under the root stack resource.
        const urns = new Set(resources.map((r) => r.urn));
        const root = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;
        for (const v of stackViolations) if (v.urn === undefined || !urns.has(v.urn)) v.urn = root;
        out.push(...stackViolations);
    } catch (e) {
        throw new PolicyCrashError(`policy pack ${PACK_NAME}@v${packageJson.version} failed: ${(e as Error).message}`);
    }
    findSecretNeeded(out, resources);
    return out;
}
