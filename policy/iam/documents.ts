/**
 * Where identity policy documents live on each IAM resource type, and a builder for policies that
 * check every Allow/Deny statement of every such document.
 */
import type { ReportViolation } from "@pulumi/policy";
import { describeStatement, DocumentError, parseDocument, type Statement } from "../lib/iamDocument";
import { type PolicyMeta, resourcePolicy } from "../lib/spec";
import { TYPES } from "../lib/types";

export interface LocatedDocument {
    /** Property path, for messages: `policy`, `inlinePolicies[0].policy`. */
    where: string;
    doc: unknown;
}

/** Types whose `policy` input is an identity policy (what a principal may do). */
const POLICY_PROPERTY_TYPES: readonly string[] = [...TYPES.rolePolicy, ...TYPES.userPolicy, ...TYPES.groupPolicy, ...TYPES.managedPolicy];

export const IDENTITY_DOCUMENT_TYPES: readonly string[] = [...POLICY_PROPERTY_TYPES, ...TYPES.role];

export function identityDocuments(type: string, props: Record<string, any>): LocatedDocument[] {
    if (POLICY_PROPERTY_TYPES.includes(type)) return "policy" in props ? [{ where: "policy", doc: props.policy }] : [];
    if (!TYPES.role.includes(type) || !Array.isArray(props.inlinePolicies)) return [];
    return props.inlinePolicies.flatMap((p: Record<string, unknown>, i: number) =>
        p && "policy" in p ? [{ where: `inlinePolicies[${i}].policy`, doc: p.policy }] : [],
    );
}

/** Parses a document; reports (rather than passes) one that cannot be read. */
export function statementsOf(located: LocatedDocument, report: ReportViolation): Statement[] {
    try {
        return parseDocument(located.doc);
    } catch (e) {
        if (!(e instanceof DocumentError)) throw e;
        report(`${located.where}: cannot be checked because ${e.message}.`);
        return [];
    }
}

export type StatementCheck<C> = (s: Statement, config: C) => string[] | Promise<string[]>;

/** A policy over every statement of every identity document; each returned string is one violation. */
export function identityStatementPolicy<C = Record<string, never>>(meta: PolicyMeta, check: StatementCheck<C>) {
    return resourcePolicy<C>(meta, IDENTITY_DOCUMENT_TYPES, async (props, args, config, report) => {
        for (const located of identityDocuments(args.type, props)) {
            for (const s of statementsOf(located, report)) {
                for (const problem of await check(s, config)) report(`${located.where} ${describeStatement(s)}: ${problem}`);
            }
        }
    });
}

/** "a, b, c and 4 more": keeps messages about large expansions readable. */
export function sample(items: readonly string[], max = 5): string {
    const shown = items.slice(0, max).join(", ");
    return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
