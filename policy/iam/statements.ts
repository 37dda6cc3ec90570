/**
 * Statement-level IAM rules that need nothing but the statement: which actions an Allow grants,
 * the `Not…` elements, and how `iam:PassRole` is granted. Which resources a statement reaches
 * needs the stack's own ARNs: see reach.ts.
 */
import { hasWildcard } from "../lib/arn";
import { expandAction, grants, isFullWildcard, isWriteOrPermissions } from "../lib/iamActions";
import { pinnedValues } from "../lib/iamConditions";
import type { Statement } from "../lib/iamDocument";
import { principalsOf } from "../lib/principals";
import { ALL_DOCUMENTS, sample, statementPolicy } from "./documents";

const isAllow = (s: Statement) => s.effect === "allow";

/**
 * A bucket or resource policy statement whose only principals are accounts (`arn:aws:iam::<id>:root`
 * or a bare id) delegates to those accounts' identity policies, which must allow the actions too
 * (IAM User Guide, "AWS JSON policy elements: Principal", AWS account principals): its actions are
 * judged there. AWS's default KMS key policy is such a statement (`kms:*` for the account).
 * Whether the account is this stack's is the grants policies' concern.
 */
function delegatesToAccounts(s: Statement): boolean {
    const principals = principalsOf(s);
    return principals.length > 0 && principals.every((p) => p.kind === "aws" && /^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:root)$/.test(p.value));
}

export const noWildcardActions = statementPolicy(
    {
        name: "iam-no-wildcard-actions",
        description:
            "Allow statements (identity, trust and bucket policies) must not grant every action (`*`, `service:*`) or a partial wildcard that expands to write or permissions-management actions.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "List the exact actions the principal needs (`s3:PutObject`, not `s3:*` or `s3:Put*`). Wildcards are accepted only when every action they expand to is Read or List.",
    },
    ALL_DOCUMENTS,
    async (s) => {
        if (!isAllow(s) || delegatesToAccounts(s)) return [];
        const problems: string[] = [];
        for (const pattern of s.actions) {
            if (isFullWildcard(pattern)) {
                problems.push(`allows "${pattern}", every action${pattern === "*" || pattern.startsWith("*") ? " of every service" : ` of ${pattern.split(":")[0]}`}.`);
                continue;
            }
            if (!hasWildcard(pattern)) continue;
            const expansion = await expandAction(pattern);
            if (!expansion.known) {
                problems.push(`allows "${pattern}", which matches no action in the IAM data, so it cannot be shown to be read-only.`);
                continue;
            }
            const writes = expansion.actions.filter(isWriteOrPermissions).map((a) => a.action);
            if (writes.length > 0) {
                problems.push(`allows "${pattern}", which expands to ${writes.length} write or permissions-management action(s): ${sample(writes)}.`);
            }
        }
        return problems;
    },
);

export const noNotActionOrNotResource = statementPolicy(
    {
        name: "iam-no-not-action-or-not-resource",
        description:
            "Allow statements must not use `NotAction`, `NotResource` or `NotPrincipal`: they grant everything not listed, including actions, resources and principals AWS adds later.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps: "Rewrite the statement with `Action`, `Resource` and `Principal` listing what is allowed. The `Not…` elements stay fine in Deny statements.",
    },
    ALL_DOCUMENTS,
    (s) => {
        if (!isAllow(s)) return [];
        const used = [s.notActions.length > 0 && "NotAction", s.notResources.length > 0 && "NotResource", s.notPrincipals !== undefined && "NotPrincipal"].filter(Boolean);
        return used.length > 0 ? [`uses ${used.join(" and ")} in an Allow statement.`] : [];
    },
);

const PASS_ROLE = "iam:PassRole";
const grantsPassRole = (s: Statement) => isAllow(s) && s.actions.some((p) => grants(p, PASS_ROLE));
/** A role ARN with an account and a name, no wildcard anywhere. */
const NAMED_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[^*?]+$/i;

export const passRoleNamedRoles = statementPolicy(
    {
        name: "iam-passrole-named-roles",
        description: "`iam:PassRole` must be granted only on named role ARNs, never on `*` or a role wildcard.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps: "Put `iam:PassRole` in its own statement whose `Resource` lists the exact role ARNs the principal hands to a service.",
    },
    ["identity"],
    (s) => {
        if (!grantsPassRole(s)) return [];
        if (s.resources.length === 0) return [`grants iam:PassRole without naming any role ARN.`];
        const unnamed = s.resources.filter((r) => !NAMED_ROLE_ARN.test(r));
        return unnamed.length > 0 ? [`grants iam:PassRole on ${unnamed.map((r) => `"${r}"`).join(", ")}, not on named role ARNs.`] : [];
    },
);

export const passRolePassedToService = statementPolicy(
    {
        name: "iam-passrole-passed-to-service",
        description: "`iam:PassRole` should carry an `iam:PassedToService` condition naming the service the role is handed to (a positive, exact test).",
        severity: "medium",
        enforcementLevel: "advisory",
        remediationSteps: "Add `\"Condition\": {\"StringEquals\": {\"iam:PassedToService\": \"ec2.amazonaws.com\"}}` (the service that receives the role).",
    },
    ["identity"],
    (s) => {
        if (!grantsPassRole(s)) return [];
        return pinnedValues(s, (k) => k === "iam:passedtoservice") ? [] : ["grants iam:PassRole without an exact iam:PassedToService condition."];
    },
);
