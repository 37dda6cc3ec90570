/**
 * Policy config files in the CLI's format (`--policy-pack-config`), reconciled the way the CLI
 * does it: every policy starts from its default level and its schema's defaults, an `"all"` entry
 * sets every level, then each policy's own entry overrides; the result is validated against the
 * policy's schema. One deliberate difference: an unknown policy name is an error here (the CLI
 * ignores it), because a typo would silently leave a policy at its default level.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import type { EnforcementLevel, Policies, PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { readConfig } from "../lib/spec";

export type PolicyPackConfigFile = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export interface PolicySettings {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

export class PolicyConfigError extends Error {}

const LEVELS: readonly string[] = ["advisory", "mandatory", "remediate", "disabled"];
/** A PolicyPack without its own level defaults every policy to advisory. */
export const PACK_DEFAULT_LEVEL: EnforcementLevel = "advisory";

/** A stack's own policy config: `policy/config/<stack>.json`. */
export function stackConfigPath(stack: string): string {
    return path.join(__dirname, "..", "config", `${stack}.json`);
}

/** Reads and shape-checks a config file; throws PolicyConfigError naming the file and the problem. */
export function loadPolicyConfig(path: string): PolicyPackConfigFile {
    let text: string;
    try {
        text = readFileSync(path, "utf8");
    } catch (e) {
        throw new PolicyConfigError(`cannot read policy config ${path}: ${(e as Error).message}`);
    }
    if (text.trim() === "") return {};
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        throw new PolicyConfigError(`policy config ${path} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new PolicyConfigError(`policy config ${path} must be a JSON object mapping policy names to a level or settings`);
    }
    for (const [name, value] of Object.entries(parsed)) {
        const level = typeof value === "string" ? value : typeof value === "object" && value !== null && !Array.isArray(value) ? value.enforcementLevel : null;
        if (level === null) throw new PolicyConfigError(`policy config ${path}: "${name}" must be an enforcement level or an object`);
        if (level !== undefined && !LEVELS.includes(level)) {
            throw new PolicyConfigError(`policy config ${path}: "${name}" has enforcement level ${JSON.stringify(level)}; use one of ${LEVELS.join(", ")}`);
        }
    }
    return parsed as PolicyPackConfigFile;
}

/** The effective level and properties of every policy, or PolicyConfigError listing every problem. */
export function reconcileConfig(policies: Policies, given: PolicyPackConfigFile = {}): Map<string, PolicySettings> {
    const result = new Map<string, PolicySettings>();
    for (const p of policies) {
        result.set(p.name, { enforcementLevel: p.enforcementLevel ?? PACK_DEFAULT_LEVEL, properties: readConfig(p.configSchema, {}) });
    }
    const problems: string[] = [];
    const entry = (value: PolicyPackConfigFile[string]) => (typeof value === "string" ? { enforcementLevel: value } : value);
    const all = given.all === undefined ? undefined : entry(given.all).enforcementLevel;
    if (all) for (const s of result.values()) s.enforcementLevel = all;
    for (const [name, value] of Object.entries(given)) {
        if (name === "all") continue;
        const settings = result.get(name);
        if (!settings) {
            problems.push(`unknown policy "${name}" (known: ${[...result.keys()].join(", ")})`);
            continue;
        }
        const { enforcementLevel, ...properties } = entry(value);
        if (enforcementLevel) settings.enforcementLevel = enforcementLevel;
        Object.assign(settings.properties, properties);
    }
    for (const p of policies) problems.push(...validateProperties(p.name, p.configSchema, result.get(p.name)!.properties));
    if (problems.length > 0) throw new PolicyConfigError(`invalid policy config:\n  - ${problems.join("\n  - ")}`);
    return result;
}

/**
 * The JSON-schema keywords the pack's schemas use (type, enum, minimum/maximum, minItems, items,
 * properties, required), plus unknown property names, which the CLI would pass through unnoticed.
 */
function validateProperties(policy: string, schema: PolicyConfigSchema | undefined, props: Record<string, unknown>): string[] {
    const known = schema?.properties ?? {};
    const problems = Object.keys(props)
        .filter((k) => !(k in known))
        .map((k) => `${policy}: unknown setting "${k}"${Object.keys(known).length ? ` (known: ${Object.keys(known).join(", ")})` : " (this policy has no settings)"}`);
    for (const key of schema?.required ?? []) if (!(key in props)) problems.push(`${policy}: "${key}" is required`);
    for (const [key, value] of Object.entries(props)) {
        if (key in known) problems.push(...validateValue(`${policy}: ${key}`, known[key], value));
    }
    return problems;
}

function typeOf(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "array";
    if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
    return typeof value;
}

function validateValue(at: string, schema: PolicyConfigJSONSchema | boolean, value: unknown): string[] {
    if (typeof schema === "boolean") return schema ? [] : [`${at} is not allowed`];
    const actual = typeOf(value);
    if (schema.type) {
        const types = Array.isArray(schema.type) ? schema.type : [schema.type];
        if (!types.some((t) => t === actual || (t === "number" && actual === "integer"))) return [`${at} must be ${types.join(" or ")}, got ${actual}`];
    }
    const problems: string[] = [];
    if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) problems.push(`${at} must be one of ${JSON.stringify(schema.enum)}`);
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${at} must be at least ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${at} must be at most ${schema.maximum}`);
    }
    if (Array.isArray(value)) {
        if (schema.minItems !== undefined && value.length < schema.minItems) problems.push(`${at} must have at least ${schema.minItems} items`);
        if (schema.items && !Array.isArray(schema.items)) {
            const items = schema.items;
            value.forEach((v, i) => problems.push(...validateValue(`${at}[${i}]`, items, v)));
        }
    }
    if (actual === "object") {
        const obj = value as Record<string, unknown>;
        for (const key of schema.required ?? []) if (!(key in obj)) problems.push(`${at}.${key} is required`);
        for (const [key, sub] of Object.entries(schema.properties ?? {})) if (key in obj) problems.push(...validateValue(`${at}.${key}`, sub, obj[key]));
    }
    return problems;
}
