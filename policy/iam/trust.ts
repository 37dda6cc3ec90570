/**
 * Who may assume a role: no anonymous trust, and web-identity (OIDC) trust only for a pinned
 * audience and a subject that names a project path (DESIGN.md decision 9: GitLab reaches AWS
 * through OIDC with audience and subject pinned).
 */
import { grants } from "../lib/iamActions";
import { conditionValues, describeStatement, DocumentError, parseDocument, type Statement } from "../lib/iamDocument";
import { resourcePolicy } from "../lib/spec";
import { TYPES } from "../lib/types";
import { statementsOf } from "./documents";

interface TrustConfig {
    subjectPattern: string;
}

function anonymous(s: Statement): boolean {
    // `{"AWS": "arn:aws:iam::*:root"}` trusts every account just like `"*"`.
    return s.principals !== undefined && ("*" in s.principals || (s.principals.aws ?? []).some((p) => p.includes("*")));
}

function webIdentityProblems(s: Statement, subject: RegExp): string[] {
    const problems: string[] = [];
    const aud = conditionValues(s, (k) => k.endsWith(":aud"));
    if (aud.length === 0) problems.push("has no `<provider>:aud` condition");
    else if (aud.some((v) => /[*?]/.test(v))) problems.push(`has a wildcard audience (${aud.join(", ")})`);
    const sub = conditionValues(s, (k) => k.endsWith(":sub"));
    if (sub.length === 0) problems.push("has no `<provider>:sub` condition");
    const loose = sub.filter((v) => !subject.test(v));
    if (loose.length > 0) problems.push(`has subject(s) that do not pin a project path: ${loose.map((v) => `"${v}"`).join(", ")}`);
    return problems;
}

export const trustPolicy = resourcePolicy<TrustConfig>(
    {
        name: "iam-trust-policy",
        description: "Role trust policies must not trust `*`, and web-identity (OIDC) trust must pin the audience and a project path in the subject.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Trust named principals only. For GitLab OIDC add `StringEquals {\"<host>:aud\": \"<audience>\"}` and `StringEquals`/`StringLike {\"<host>:sub\": \"project_path:<group>/<project>:ref_type:branch:ref:main\"}` (never `*` or `project_path:*`).",
        configSchema: {
            properties: {
                subjectPattern: {
                    type: "string",
                    description: "Regular expression (case-insensitive) every web-identity `sub` value must match. The default accepts GitLab `project_path:group/project…` and GitHub `repo:owner/name…` with no wildcard in the path.",
                    default: "^(project_path|repo):[^:*?]+/[^:*?]+(:.*)?$",
                },
            },
        },
    },
    TYPES.role,
    (props, _args, config, report) => {
        const subject = new RegExp(config.subjectPattern, "i");
        for (const s of statementsOf({ where: "assumeRolePolicy", doc: props.assumeRolePolicy }, report)) {
            if (s.effect !== "allow") continue;
            const at = `assumeRolePolicy ${describeStatement(s)}`;
            if (anonymous(s)) report(`${at}: trusts any principal ("*").`);
            if (s.actions.some((a) => grants(a, "sts:AssumeRoleWithWebIdentity"))) {
                for (const problem of webIdentityProblems(s, subject)) report(`${at}: web-identity trust ${problem}.`);
            }
        }
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
