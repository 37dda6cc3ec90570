/**
 * IAM policy documents as programs hand them over: a JSON string (`JSON.stringify`,
 * `pulumi.jsonStringify`, `aws.iam.getPolicyDocument(...).json`) or a plain object; `Statement`
 * as one object or a list; `Action`/`Resource`/`Principal` values as a string or a list; keys and
 * `Effect` in any letter case. Everything is normalised once here so the checks stay simple.
 */
import { asList } from "./spec";

export interface Statement {
    /** Position in the document, for messages. */
    index: number;
    sid?: string;
    effect: "allow" | "deny";
    actions: string[];
    notActions: string[];
    resources: string[];
    notResources: string[];
    /** Principal type (lower case: "aws", "service", "federated", "canonicaluser") → values; "*" as `{ "*": ["*"] }`. */
    principals: Record<string, string[]> | undefined;
    notPrincipals: Record<string, string[]> | undefined;
    /** Operator → condition key → values, as written (see iamConditions.ts for their meaning). */
    conditions: Record<string, Record<string, string[]>>;
}

export class DocumentError extends Error {}

/** Reads an object's keys case-insensitively: IAM itself accepts `action` as well as `Action`. */
function field(obj: Record<string, unknown>, name: string): unknown {
    const key = Object.keys(obj).find((k) => k.toLowerCase() === name);
    return key === undefined ? undefined : obj[key];
}

function strings(value: unknown, what: string): string[] {
    return asList(value as unknown[]).map((v) => {
        if (typeof v !== "string") throw new DocumentError(`${what} must be a string or a list of strings`);
        return v;
    });
}

function principals(value: unknown): Statement["principals"] {
    if (value === undefined) return undefined;
    if (value === "*") return { "*": ["*"] };
    if (typeof value !== "object" || value === null) throw new DocumentError("Principal must be \"*\" or an object");
    const result: Record<string, string[]> = {};
    for (const [kind, v] of Object.entries(value)) result[kind.toLowerCase()] = strings(v, `Principal.${kind}`);
    return result;
}

function conditions(value: unknown): Statement["conditions"] {
    const result: Statement["conditions"] = {};
    if (value === undefined) return result;
    if (typeof value !== "object" || value === null) throw new DocumentError("Condition must be an object");
    for (const [op, block] of Object.entries(value)) {
        if (typeof block !== "object" || block === null) throw new DocumentError(`Condition.${op} must be an object`);
        const keys: Record<string, string[]> = {};
        for (const [key, v] of Object.entries(block)) keys[key] = asList(v as unknown[]).map(String);
        result[op] = keys;
    }
    return result;
}

/** Parses and normalises a document; throws DocumentError naming what is malformed. */
export function parseDocument(doc: unknown): Statement[] {
    let parsed = doc;
    if (typeof doc === "string") {
        try {
            parsed = JSON.parse(doc);
        } catch {
            throw new DocumentError("the policy document is not valid JSON");
        }
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
        throw new DocumentError("the policy document must be a JSON object");
    }
    const statements = asList(field(parsed as Record<string, unknown>, "statement") as unknown[]);
    return statements.map((raw, index) => {
        if (typeof raw !== "object" || raw === null) throw new DocumentError(`Statement[${index}] must be an object`);
        const s = raw as Record<string, unknown>;
        const effect = String(field(s, "effect") ?? "").toLowerCase();
        if (effect !== "allow" && effect !== "deny") throw new DocumentError(`Statement[${index}].Effect must be Allow or Deny`);
        const sid = field(s, "sid");
        return {
            index,
            sid: typeof sid === "string" ? sid : undefined,
            effect,
            actions: strings(field(s, "action"), "Action"),
            notActions: strings(field(s, "notaction"), "NotAction"),
            resources: strings(field(s, "resource"), "Resource"),
            notResources: strings(field(s, "notresource"), "NotResource"),
            principals: principals(field(s, "principal")),
            notPrincipals: principals(field(s, "notprincipal")),
            conditions: conditions(field(s, "condition")),
        };
    });
}

/**
 * The statements of a document, or none when it cannot be read: for checks a document must pass
 * to prove something, where unreadable means unproven. Anything but a malformed document (an
 * unknown value during preview) propagates.
 */
export function statementsOrNone(doc: unknown): Statement[] {
    try {
        return parseDocument(doc);
    } catch (e) {
        if (e instanceof DocumentError) return [];
        throw e;
    }
}

/** `Statement[2] ("CiDeploy")`: how messages point at a statement. */
export function describeStatement(s: Statement): string {
    return s.sid ? `Statement[${s.index}] ("${s.sid}")` : `Statement[${s.index}]`;
}
