/**
 * Runs the pack's policies the way the Pulumi CLI's analyzer server (@pulumi/policy's
 * server.js) does, without the CLI: the same config reconciliation, props wrapped in the same
 * unknown-checking proxy, `notApplicable` that throws, `stackTags`, per-policy config and levels,
 * and the same treatment of each outcome:
 *   - a violation is reported at the policy's level ("remediate" counts as mandatory);
 *   - reading a value that is unknown (during preview) aborts that policy for that resource (or,
 *     for a stack policy, for the stack) with an ADVISORY "can't run policy … during preview"
 *     diagnostic: it neither crashes nor passes silently;
 *   - `notApplicable()` ends the check with no diagnostic;
 *   - any other exception is a broken policy and fails the whole run (the CLI fails the preview).
 * Tests drive every policy through this module, and the offline gate is built on it, so tests,
 * gate and `npm run plan` give the same verdicts.
 */
import type {
    EnforcementLevel,
    Policies,
    Policy,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationPolicy,
} from "@pulumi/policy";
import { existsSync } from "node:fs";
import packageJson from "../package.json";
import { PACK_NAME, policies as packPolicies } from "../policies";
import { loadPolicyConfig, type PolicyPackConfigFile, reconcileConfig, stackConfigPath } from "./config";

/** @pulumi/policy's proxy module: internal (no typings), but it is exactly what the analyzer uses. */
interface ProxyModule {
    unknownCheckingProxy<T extends object>(o: T): T;
    UnknownValueError: new (...args: unknown[]) => Error;
    unknownStringValue: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports -- typed above; an import would see an empty module
const proxy = require("@pulumi/policy/proxy") as ProxyModule;

/** The sentinel the engine sends for a value not known until the update (any type). */
export const UNKNOWN = proxy.unknownStringValue;

/** One resource as a stack export or the mocked program describes it. */
export interface SourceResource {
    urn: string;
    type: string;
    /** Logical name; derived from the URN when absent. */
    name?: string;
    inputs: Record<string, unknown>;
    parent?: string;
    dependencies?: string[];
    propertyDependencies?: Record<string, string[]>;
    protect?: boolean;
    ignoreChanges?: string[];
}

export interface Violation {
    policy: string;
    /** Only these two reach a report: "remediate" is reported as mandatory, "disabled" never runs. */
    enforcementLevel: "advisory" | "mandatory";
    urn?: string;
    /** As the CLI prints it: the policy's description, then the specific finding. */
    message: string;
    severity?: string;
}

export interface EvaluateOptions {
    /** Stack name: without `config`, its own policy/config/<stack>.json applies (if there is one). */
    stack?: string;
    /** A parsed CrossGuard policy-config file (see loadPolicyConfig); else the stack's, else pack defaults. */
    config?: PolicyPackConfigFile;
    stackTags?: Record<string, string>;
    /** Run only these policies (tests); default: the whole pack. */
    policies?: Policies;
}

export class PolicyCrashError extends Error {}

class NotApplicableError extends Error {}

const PACK = `'${PACK_NAME}@v${packageJson.version}'`;

export function nameFromUrn(urn: string): string {
    return urn.slice(urn.lastIndexOf("::") + 2);
}

/**
 * The engine hands policies plain JSON: secrets decrypted, undefined top-level values dropped.
 * A stack export's secrets are only ciphertext without `--show-secrets`, so they are treated like
 * unknown values (the policy that needs one reports that it could not run).
 */
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";

function plain(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plain);
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) {
        if ("value" in obj) return plain(obj.value);
        if (typeof obj.plaintext === "string") return plain(JSON.parse(obj.plaintext));
        return UNKNOWN;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = plain(v);
    return out;
}

function levelOf(level: EnforcementLevel): "advisory" | "mandatory" {
    return level === "advisory" ? "advisory" : "mandatory";
}

/** makeReportViolationFun from server.js: a string message is appended to the description. */
function reporter(policy: Policy, level: "advisory" | "mandatory", out: Violation[], defaultUrn?: string): ReportViolation {
    return (message: string, urn?: string) => {
        out.push({
            policy: policy.name,
            enforcementLevel: level,
            urn: urn ?? defaultUrn,
            message: message ? `${policy.description}\n${message}` : policy.description,
            severity: policy.severity,
        });
    };
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason);
}

/** Runs one validation; turns the analyzer's special exceptions into what the analyzer makes of them. */
async function run(policy: Policy, urn: string | undefined, out: Violation[], validate: () => unknown): Promise<void> {
    try {
        await validate();
    } catch (e) {
        if (e instanceof proxy.UnknownValueError) {
            out.push({
                policy: policy.name,
                enforcementLevel: "advisory",
                urn,
                message: `can't run policy '${policy.name}' from policy pack ${PACK} during preview: ${e.message}`,
                severity: policy.severity,
            });
        } else if (!(e instanceof NotApplicableError)) {
            throw new PolicyCrashError(`Error validating ${urn ?? "stack"} with policy '${policy.name}' from policy pack ${PACK}: ${(e as Error).stack ?? e}`);
        }
    }
}

function options(r: SourceResource): PolicyResourceOptions {
    return {
        protect: r.protect ?? false,
        ignoreChanges: r.ignoreChanges ?? [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        parent: r.parent,
    };
}

/** isType/asType as server.js implements them: by the class's registered type token. */
const typeCheck = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type;

/** Evaluates every enabled policy on `resources`; throws PolicyConfigError or PolicyCrashError. */
export async function evaluate(resources: readonly SourceResource[], opts: EvaluateOptions = {}): Promise<Violation[]> {
    const policies = opts.policies ?? packPolicies;
    const stackConfig = opts.stack === undefined ? undefined : stackConfigPath(opts.stack);
    const config = opts.config ?? (stackConfig && existsSync(stackConfig) ? loadPolicyConfig(stackConfig) : undefined);
    const settings = reconcileConfig(policies, config);
    const stackTags: ReadonlyMap<string, string> = new Map(Object.entries(opts.stackTags ?? {}));
    const inputs = resources.map((r) => plain(r.inputs) as Record<string, unknown>);
    const out: Violation[] = [];
    let stackResources: PolicyResource[] | undefined;
    const urns = new Set(resources.map((r) => r.urn));
    const rootUrn = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn;

    for (const policy of policies) {
        const { enforcementLevel, properties } = settings.get(policy.name)!;
        if (enforcementLevel === "disabled") continue;
        const report = (urn?: string) => reporter(policy, levelOf(enforcementLevel), out, urn);
        const getConfig = <T extends object>() => ({ ...properties }) as T;

        if ("validateStack" in policy) {
            stackResources ??= policyResources(resources, inputs);
            const args = { resources: stackResources, getConfig, stackTags, notApplicable: throwNotApplicable };
            const first = out.length;
            await run(policy, undefined, out, () => (policy as StackValidationPolicy).validateStack(args, report()));
            // The engine files a stack diagnostic without a URN of this stack under the root stack resource.
            for (const v of out.slice(first)) if (v.urn === undefined || !urns.has(v.urn)) v.urn = rootUrn;
            continue;
        }
        const validations = (policy as ResourceValidationPolicy).validateResource;
        if (!validations) continue;
        for (const [i, r] of resources.entries()) {
            for (const validate of Array.isArray(validations) ? validations : [validations]) {
                const props = proxy.unknownCheckingProxy(inputs[i]);
                const args = {
                    type: r.type,
                    props,
                    urn: r.urn,
                    name: r.name ?? nameFromUrn(r.urn),
                    opts: options(r),
                    stackTags,
                    isType: typeCheck(r.type),
                    asType: ((cls: unknown) => (typeCheck(r.type)(cls) ? props : undefined)) as never,
                    getConfig,
                    notApplicable: throwNotApplicable,
                };
                await run(policy, r.urn, out, () => validate(args, report(r.urn)));
            }
        }
    }
    return out;
}

/** The `resources` a stack policy sees: parent and dependencies resolved to resource objects. */
function policyResources(resources: readonly SourceResource[], inputs: Record<string, unknown>[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const list = resources.map((r, i) => {
        const props = proxy.unknownCheckingProxy(inputs[i]);
        const resource: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name ?? nameFromUrn(r.urn),
            opts: options(r),
            dependencies: [],
            propertyDependencies: {},
            isType: typeCheck(r.type),
            asType: ((cls: unknown) => (typeCheck(r.type)(cls) ? props : undefined)) as never,
        };
        byUrn.set(r.urn, resource);
        return resource;
    });
    const resolve = (urns: string[] | undefined) => (urns ?? []).map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
    resources.forEach((r, i) => {
        const parent = r.parent ? byUrn.get(r.parent) : undefined;
        if (parent) list[i].parent = parent;
        list[i].dependencies = resolve(r.dependencies);
        for (const [prop, urns] of Object.entries(r.propertyDependencies ?? {})) list[i].propertyDependencies[prop] = resolve(urns);
    });
    return list;
}
