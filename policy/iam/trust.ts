/**
 * Who may assume a role (DESIGN.md decision 9: GitLab reaches AWS only through OIDC, with
 * audience and subject pinned). A role's trust policy must not trust everyone or another
 * account, and a web-identity (OIDC) trust must pin, with its conditions read by their operators
 * (iamConditions.ts):
 *   - `<provider>:aud` to exact values;
 *   - `<provider>:sub` to exact values (no `*` or `?` anywhere) naming a protected ref. GitLab's
 *     subject is `project_path:<group>/<project>:ref_type:<branch|tag>:ref:<ref>` (GitLab docs,
 *     "OpenID Connect (OIDC) Authentication Using ID Tokens", ci/secrets/id_token_authentication);
 *     GitHub's `repo:<owner>/<repo>:ref:refs/<heads|tags>/<ref>` (GitHub docs, "About security
 *     hardening with OpenID Connect").
 * `<provider>` is the identity provider the statement's `Federated` principal names (its URL
 * host and path), so a condition on another provider's claim pins nothing.
 */
import { grants } from "../lib/iamActions";
import { pinnedValues } from "../lib/iamConditions";
import { describeStatement, DocumentError, parseDocument, type Statement } from "../lib/iamDocument";
import { namesEveryone, principalAccount } from "../lib/principals";
import { label, ofTypes } from "../lib/stack";
import { stackPolicy } from "../lib/spec";
import { StackScope } from "../lib/stackScope";
import { TYPES } from "../lib/types";
import { Unknowns } from "../lib/unknowns";
import { statementsOf } from "./documents";

interface TrustConfig {
    protectedRefs: string[];
}

/** The ref a GitLab or GitHub subject names; undefined for any other form. */
function subjectRef(sub: string): string | undefined {
    return /^project_path:[^:]+\/[^:]+:ref_type:(?:branch|tag):ref:(.+)$/.exec(sub)?.[1] ?? /^repo:[^:]+\/[^:]+:ref:refs\/(?:heads|tags)\/(.+)$/.exec(sub)?.[1];
}

/** `arn:aws:iam::123:oidc-provider/gitlab.com` → `gitlab.com`, the prefix of its condition keys. */
function providerKeyPrefix(federated: string): string {
    return federated.replace(/^arn:[^:]+:iam::[^:]*:oidc-provider\//, "").toLowerCase();
}

function webIdentityProblems(s: Statement, federated: string, config: TrustConfig): string[] {
    const host = providerKeyPrefix(federated);
    const problems: string[] = [];
    if (!pinnedValues(s, (k) => k === `${host}:aud`)) problems.push(`does not pin the audience: it needs a positive, exact test of \`${host}:aud\` (no wildcard, not negated, not …IfExists or ForAllValues)`);
    const subs = pinnedValues(s, (k) => k === `${host}:sub`);
    if (!subs) problems.push(`does not pin the subject: it needs a positive, exact test of \`${host}:sub\` (no wildcard anywhere, not negated, not …IfExists or ForAllValues)`);
    const unprotected = (subs ?? []).filter((v) => !config.protectedRefs.includes(subjectRef(v) ?? "\u0000"));
    if (unprotected.length > 0) {
        problems.push(`pins subject(s) ${unprotected.map((v) => `"${v}"`).join(", ")}, which name no protected ref (${config.protectedRefs.join(", ")}) of a project`);
    }
    return problems;
}

function trustProblems(s: Statement, scope: StackScope, config: TrustConfig): string[] {
    if (s.effect !== "allow") return [];
    if (namesEveryone(s)) return ["trusts any principal (\"*\")."];
    const problems: string[] = [];
    for (const principal of s.principals?.aws ?? []) {
        const account = principalAccount(principal);
        if (account !== undefined && scope.ownsAccount(account) === false) problems.push(`trusts ${principal}, of another account.`);
    }
    const webIdentity = s.actions.some((a) => grants(a, "sts:AssumeRoleWithWebIdentity"));
    for (const federated of s.principals?.federated ?? []) {
        const account = principalAccount(federated);
        if (account !== undefined && scope.ownsAccount(account) === false) problems.push(`trusts identity provider ${federated}, of another account.`);
        if (webIdentity) problems.push(...webIdentityProblems(s, federated, config).map((p) => `web-identity trust ${p}.`));
    }
    return problems;
}

export const trustPolicy = stackPolicy<TrustConfig>(
    {
        name: "iam-trust-policy",
        description:
            "Role trust policies must not trust `*` or another account, and web-identity (OIDC) trust must pin the audience exactly and the subject exactly to a protected ref, conditions read with their operators.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Trust named principals of this account only. For GitLab OIDC use `StringEquals {\"<host>:aud\": \"<audience>\", \"<host>:sub\": \"project_path:<group>/<project>:ref_type:branch:ref:<protected ref>\"}` — no wildcard, no negated or …IfExists/ForAllValues operator.",
        configSchema: {
            properties: {
                protectedRefs: {
                    type: "array",
                    items: { type: "string" },
                    minItems: 1,
                    description: "The refs (branch or tag names) a web-identity subject may name: the stack's protected refs.",
                    default: ["main"],
                },
            },
        },
    },
    ({ resources }, config, report) => {
        const scope = new StackScope(resources);
        const unknowns = new Unknowns();
        for (const role of ofTypes(resources, TYPES.role)) {
            const statements = unknowns.attempt(() => statementsOf({ kind: "trust", where: "assumeRolePolicy", doc: role.props.assumeRolePolicy }, (m) => report(`${label(role)} ${m}`, role.urn))) ?? [];
            for (const s of statements) {
                for (const problem of trustProblems(s, scope, config)) report(`${label(role)} assumeRolePolicy ${describeStatement(s)}: ${problem}`, role.urn);
            }
        }
        unknowns.rethrow();
    },
);

/** True when `assumeRolePolicy` lets exactly one AWS service (and nobody else) assume the role. */
export function onlyServiceCanAssume(assumeRolePolicy: unknown, service: string): boolean {
    let statements: Statement[];
    try {
        statements = parseDocument(assumeRolePolicy);
    } catch (e) {
        // Unreadable means unproven; anything else (an unknown value during preview) propagates.
        if (e instanceof DocumentError) return false;
        throw e;
    }
    const allows = statements.filter((s) => s.effect === "allow");
    return (
        allows.length > 0 &&
        allows.every((s) => {
            const p = s.principals ?? {};
            const kinds = Object.keys(p);
            return kinds.length === 1 && kinds[0] === "service" && p.service.every((v) => v.toLowerCase() === service.toLowerCase());
        })
    );
}
