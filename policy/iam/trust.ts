/**
 * Who may assume a role (DESIGN.md decision 9: GitLab reaches AWS only through OIDC, with
 * audience and subject pinned). A role's trust policy must not trust everyone or another
 * account (principals.ts: everyone narrowed to this account by `aws:PrincipalAccount` is this
 * account), and a web-identity (OIDC) trust must pin, with its conditions read by their operators
 * (iamConditions.ts):
 *   - `<provider>:aud` to exact values;
 *   - `<provider>:sub` to exact values (no `*` or `?` anywhere, compared case-sensitively) that
 *     each name a trusted project and one of its protected refs, of the right kind: a branch is
 *     not a tag of the same name (anyone who may push may create a tag `main`). GitLab's subject is
 *     `project_path:<group>/<project>:ref_type:<branch|tag>:ref:<ref>` (GitLab docs, "OpenID
 *     Connect (OIDC) Authentication Using ID Tokens", ci/secrets/id_token_authentication);
 *     GitHub's `repo:<owner>/<repo>:ref:refs/<heads|tags>/<ref>` (GitHub docs, "About security
 *     hardening with OpenID Connect").
 * `<provider>` is the identity provider the statement's `Federated` principal names (its URL
 * host and path), so a condition on another provider's claim pins nothing.
 */
import { grants } from "../lib/iamActions";
import { pinnedValues } from "../lib/iamConditions";
import { describeStatement, type Statement, statementsOrNone } from "../lib/iamDocument";
import { describeOutsider, outsiders, principalAccount } from "../lib/principals";
import { label, ofTypes } from "../lib/stack";
import { stackPolicy } from "../lib/spec";
import { StackScope } from "../lib/stackScope";
import { TYPES } from "../lib/types";
import { Unknowns } from "../lib/unknowns";
import { statementsOf } from "./documents";

interface TrustConfig {
    projectPaths: string[];
    protectedRefs: string[];
}

interface Subject {
    project: string;
    kind: "branch" | "tag";
    ref: string;
}

/** The project and ref a GitLab or GitHub subject names; undefined for any other form (an environment, a pull request). */
function parseSubject(sub: string): Subject | undefined {
    const gitlab = /^project_path:([^:]+\/[^:]+):ref_type:(branch|tag):ref:(.+)$/.exec(sub);
    if (gitlab) return { project: gitlab[1], kind: gitlab[2] as Subject["kind"], ref: gitlab[3] };
    const github = /^repo:([^:]+\/[^:]+):ref:refs\/(heads|tags)\/(.+)$/.exec(sub);
    if (github) return { project: github[1], kind: github[2] === "heads" ? "branch" : "tag", ref: github[3] };
    return undefined;
}

/** A protectedRefs entry as git spells it: `main` or `refs/heads/main` is a branch, `refs/tags/v1` a tag. */
function protectedRef(entry: string): Pick<Subject, "kind" | "ref"> {
    const m = /^refs\/(heads|tags)\/(.+)$/.exec(entry);
    return m ? { kind: m[1] === "heads" ? "branch" : "tag", ref: m[2] } : { kind: "branch", ref: entry };
}

/** `arn:aws:iam::123:oidc-provider/gitlab.com` → `gitlab.com`, the prefix of its condition keys. */
function providerKeyPrefix(federated: string): string {
    return federated.replace(/^arn:[^:]+:iam::[^:]*:oidc-provider\//, "").toLowerCase();
}

/** Why a pinned subject is not one of a trusted project's protected refs; undefined when it is. */
function untrustedSubject(sub: string, config: TrustConfig): string | undefined {
    const subject = parseSubject(sub);
    if (!subject) return `"${sub}" names no project branch or tag`;
    if (!config.projectPaths.includes(subject.project)) {
        return `"${sub}" names project ${subject.project}, which is not in projectPaths (${config.projectPaths.join(", ") || "none configured"})`;
    }
    const trusted = config.protectedRefs.map(protectedRef).some((r) => r.kind === subject.kind && r.ref === subject.ref);
    if (!trusted) return `"${sub}" names ${subject.kind} ${subject.ref}, which is not a protected ref (protectedRefs: ${config.protectedRefs.join(", ")})`;
    return undefined;
}

function webIdentityProblems(s: Statement, federated: string, config: TrustConfig): string[] {
    const host = providerKeyPrefix(federated);
    const problems: string[] = [];
    if (!pinnedValues(s, (k) => k === `${host}:aud`)) problems.push(`does not pin the audience: it needs a positive, exact test of \`${host}:aud\` (no wildcard, not negated, not …IfExists or ForAllValues)`);
    const subs = pinnedValues(s, (k) => k === `${host}:sub`);
    if (!subs) problems.push(`does not pin the subject: it needs a positive, exact, case-sensitive test of \`${host}:sub\` (no wildcard anywhere, not negated, not …IfExists or ForAllValues)`);
    for (const sub of subs ?? []) {
        const why = untrustedSubject(sub, config);
        if (why) problems.push(`pins subject ${why}`);
    }
    return problems;
}

function trustProblems(s: Statement, scope: StackScope, config: TrustConfig): string[] {
    if (s.effect !== "allow") return [];
    const problems = outsiders(s, scope, { services: "inside", federated: "inside" }).map((o) => `trusts ${describeOutsider(o)}, outside this stack's account.`);
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
            "Role trust policies must not trust `*` or another account, and web-identity (OIDC) trust must pin the audience exactly and the subject exactly to a protected ref of a trusted project, conditions read with their operators.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Trust named principals of this account only. For GitLab OIDC use `StringEquals {\"<host>:aud\": \"<audience>\", \"<host>:sub\": \"project_path:<group>/<project>:ref_type:branch:ref:<protected ref>\"}` — no wildcard, no negated or …IfExists/ForAllValues operator.",
        configSchema: {
            properties: {
                projectPaths: {
                    type: "array",
                    items: { type: "string" },
                    description:
                        "The projects whose protected refs may assume a role through web identity: GitLab `group/project` paths (the stack's `bluegreen:gitlabProjectPath`) or GitHub `owner/repo` names. None by default: a subject naming any project is rejected until its project is listed.",
                    default: [],
                },
                protectedRefs: {
                    type: "array",
                    items: { type: "string" },
                    minItems: 1,
                    description: "The refs a web-identity subject may name: branch names (`main`, or `refs/heads/main`) and tags written `refs/tags/<name>`; the stack's protected refs.",
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
    const allows = statementsOrNone(assumeRolePolicy).filter((s) => s.effect === "allow");
    return (
        allows.length > 0 &&
        allows.every((s) => {
            const p = s.principals ?? {};
            const kinds = Object.keys(p);
            return kinds.length === 1 && kinds[0] === "service" && p.service.every((v) => v.toLowerCase() === service.toLowerCase());
        })
    );
}
