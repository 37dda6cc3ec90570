/**
 * Where IAM policy documents live on each resource type — identity policies (what a principal
 * may do), trust policies (who may assume a role), bucket policies (who may do what to a
 * bucket) and the resource policies of queues, topics, KMS keys, secrets and repositories — and
 * a builder for policies that judge every statement of such documents.
 */
import type { PolicyResource, ReportViolation } from "@pulumi/policy";
import { describeStatement, DocumentError, parseDocument, type Statement } from "../lib/iamDocument";
import { type PolicyMeta, resourcePolicy } from "../lib/spec";
import { label } from "../lib/stack";
import { TYPES } from "../lib/types";
import type { Unknowns } from "../lib/unknowns";

export type DocumentKind = "identity" | "trust" | "bucket" | "resource";

export interface LocatedDocument {
    kind: DocumentKind;
    /** Property path, for messages: `policy`, `inlinePolicies[0].policy`, `assumeRolePolicy`. */
    where: string;
    doc: unknown;
}

/** Types whose `policy` property is an identity policy. */
const IDENTITY_POLICY_TYPES: readonly string[] = [...TYPES.rolePolicy, ...TYPES.userPolicy, ...TYPES.groupPolicy, ...TYPES.managedPolicy];

export const DOCUMENT_TYPES: readonly string[] = [...IDENTITY_POLICY_TYPES, ...TYPES.role, ...TYPES.bucketPolicy, ...TYPES.bucket, ...TYPES.resourcePolicyHolder];

/** Every IAM document a resource carries (reading a property may throw for an unknown value). */
export function documentsOf(type: string, props: Record<string, any>): LocatedDocument[] {
    const at = (kind: DocumentKind, where: string, doc: unknown): LocatedDocument[] => [{ kind, where, doc }];
    if (IDENTITY_POLICY_TYPES.includes(type)) return "policy" in props ? at("identity", "policy", props.policy) : [];
    if (TYPES.bucketPolicy.includes(type) || TYPES.bucket.includes(type)) return "policy" in props && props.policy ? at("bucket", "policy", props.policy) : [];
    if (TYPES.resourcePolicyHolder.includes(type)) return "policy" in props && props.policy ? at("resource", "policy", props.policy) : [];
    if (!TYPES.role.includes(type)) return [];
    const docs = "assumeRolePolicy" in props ? at("trust", "assumeRolePolicy", props.assumeRolePolicy) : [];
    if (Array.isArray(props.inlinePolicies)) {
        props.inlinePolicies.forEach((p: Record<string, unknown>, i: number) => {
            if (p && "policy" in p) docs.push(...at("identity", `inlinePolicies[${i}].policy`, p.policy));
        });
    }
    return docs;
}

/** Parses a document; reports (rather than passes) one that cannot be read. */
export function statementsOf(located: LocatedDocument, report: (message: string) => void): Statement[] {
    try {
        return parseDocument(located.doc);
    } catch (e) {
        if (!(e instanceof DocumentError)) throw e;
        report(`${located.where}: cannot be checked because ${e.message}.`);
        return [];
    }
}

export interface StackStatement {
    resource: PolicyResource;
    statement: Statement;
    /** `<type> (<name>) <property> Statement[i]`: where a stack policy's finding points. */
    at: string;
}

/**
 * For stack policies: every statement of the documents of `kinds` the stack's resources carry. A
 * resource or document whose read is unknown during preview is skipped and the read kept in
 * `unknowns` (the policy rethrows it at the end); a document that cannot be read is reported.
 */
export function* stackStatements(resources: readonly PolicyResource[], kinds: readonly DocumentKind[], unknowns: Unknowns, report: ReportViolation): Generator<StackStatement> {
    for (const resource of resources) {
        const docs = unknowns.attempt(() => documentsOf(resource.type, resource.props).filter((d) => kinds.includes(d.kind))) ?? [];
        for (const located of docs) {
            const statements = unknowns.attempt(() => statementsOf(located, (m) => report(`${label(resource)} ${m}`, resource.urn))) ?? [];
            for (const statement of statements) yield { resource, statement, at: `${label(resource)} ${located.where} ${describeStatement(statement)}` };
        }
    }
}

export type StatementCheck<C> = (s: Statement, config: C) => string[] | Promise<string[]>;

/** A policy over every statement of every document of the given kinds; each returned string is one violation. */
export function statementPolicy<C = Record<string, never>>(meta: PolicyMeta, kinds: readonly DocumentKind[], check: StatementCheck<C>) {
    return resourcePolicy<C>(meta, DOCUMENT_TYPES, async (props, args, config, report: ReportViolation) => {
        for (const located of documentsOf(args.type, props)) {
            if (!kinds.includes(located.kind)) continue;
            for (const s of statementsOf(located, report)) {
                for (const problem of await check(s, config)) report(`${located.where} ${describeStatement(s)}: ${problem}`);
            }
        }
    });
}

export const ALL_DOCUMENTS: readonly DocumentKind[] = ["identity", "trust", "bucket", "resource"];

/** "a, b, c and 4 more": keeps messages about large expansions readable. */
export function sample(items: readonly string[], max = 5): string {
    const shown = items.slice(0, max).join(", ");
    return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
