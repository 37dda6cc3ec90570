/**
 * Statement-level IAM rules: what an Allow statement may grant, and on which resources.
 */
import { isFullWildcard, expandAction, grants, isWildcard, isWriteOrPermissions } from "../lib/iamActions";
import { conditionValues, type Statement } from "../lib/iamDocument";
import { identityStatementPolicy, sample } from "./documents";

const ALLOW_ONLY = (s: Statement) => s.effect === "allow";

export const noWildcardActions = identityStatementPolicy(
    {
        name: "iam-no-wildcard-actions",
        description: "Allow statements must not grant every action (`*`, `service:*`) or a partial wildcard that expands to write or permissions-management actions.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "List the exact actions the principal needs (`s3:PutObject`, not `s3:*` or `s3:Put*`). Wildcards are accepted only when every action they expand to is Read or List.",
    },
    async (s) => {
        if (!ALLOW_ONLY(s)) return [];
        const problems: string[] = [];
        for (const pattern of s.actions) {
            if (isFullWildcard(pattern)) {
                problems.push(`allows "${pattern}", every action${pattern === "*" || pattern.startsWith("*") ? " of every service" : ` of ${pattern.split(":")[0]}`}.`);
                continue;
            }
            if (!isWildcard(pattern)) continue;
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

/**
 * `*`, an ARN whose partition, service, region or account is wildcarded, or one whose resource
 * part is nothing but wildcards (`arn:aws:s3:::*` is every bucket of every account).
 */
export function isBroadResource(resource: string): boolean {
    if (resource === "*") return true;
    const parts = resource.split(":");
    if (parts[0] !== "arn" || parts.length < 6) return isWildcard(resource);
    return parts.slice(1, 5).some(isWildcard) || /^[*?]+(\/[*?]+)?$/.test(parts.slice(5).join(":"));
}

export const noWildcardResources = identityStatementPolicy(
    {
        name: "iam-no-wildcard-resources",
        description: "Allow statements must not apply actions that support resource-level permissions to `*` or to ARNs with a wildcard region or account.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Name this stack's exact ARNs (region and account spelled out). Keep `Resource: \"*\"` only for actions AWS allows on `*` alone (most Describe*/List*), in a statement of their own.",
    },
    async (s) => {
        if (!ALLOW_ONLY(s)) return [];
        const broad = s.resources.filter(isBroadResource);
        if (broad.length === 0) return [];
        const scoped: string[] = [];
        for (const pattern of s.actions) {
            if (pattern === "*") {
                scoped.push("*");
                continue;
            }
            const expansion = await expandAction(pattern);
            if (!expansion.known) scoped.push(`${pattern} (not in the IAM data)`);
            else scoped.push(...expansion.actions.filter((a) => a.resourceLevel).map((a) => a.action));
        }
        if (scoped.length === 0) return [];
        const on = broad.map((r) => `"${r}"`).join(", ");
        return [`allows ${sample(scoped)} on ${on}; these actions support resource-level permissions, so name the ARNs.`];
    },
);

export const noNotActionOrNotResource = identityStatementPolicy(
    {
        name: "iam-no-not-action-or-not-resource",
        description: "Allow statements must not use `NotAction` or `NotResource`: they grant everything not listed, including actions and resources AWS adds later.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps: "Rewrite the statement with `Action` and `Resource` listing what is allowed. `NotAction`/`NotResource` stay fine in Deny statements.",
    },
    (s) => {
        if (!ALLOW_ONLY(s)) return [];
        const used = [s.notActions.length > 0 && "NotAction", s.notResources.length > 0 && "NotResource"].filter(Boolean);
        return used.length > 0 ? [`uses ${used.join(" and ")} in an Allow statement.`] : [];
    },
);

const PASS_ROLE = "iam:PassRole";
const grantsPassRole = (s: Statement) => ALLOW_ONLY(s) && s.actions.some((p) => grants(p, PASS_ROLE));
/** A role ARN with an account and a name, no wildcard anywhere. */
const NAMED_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[^*?]+$/i;

export const passRoleNamedRoles = identityStatementPolicy(
    {
        name: "iam-passrole-named-roles",
        description: "`iam:PassRole` must be granted only on named role ARNs, never on `*` or a role wildcard.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps: "Put `iam:PassRole` in its own statement whose `Resource` lists the exact role ARNs the principal hands to a service.",
    },
    (s) => {
        if (!grantsPassRole(s)) return [];
        const unnamed = s.resources.filter((r) => !NAMED_ROLE_ARN.test(r));
        if (s.resources.length === 0) return [`grants iam:PassRole without naming any role ARN.`];
        return unnamed.length > 0 ? [`grants iam:PassRole on ${unnamed.map((r) => `"${r}"`).join(", ")}, not on named role ARNs.`] : [];
    },
);

export const passRolePassedToService = identityStatementPolicy(
    {
        name: "iam-passrole-passed-to-service",
        description: "`iam:PassRole` should carry an `iam:PassedToService` condition naming the service the role is handed to.",
        severity: "medium",
        enforcementLevel: "advisory",
        remediationSteps: "Add `\"Condition\": {\"StringEquals\": {\"iam:PassedToService\": \"ec2.amazonaws.com\"}}` (the service that receives the role).",
    },
    (s) => {
        if (!grantsPassRole(s)) return [];
        const services = conditionValues(s, (k) => k === "iam:passedtoservice");
        return services.length > 0 ? [] : ["grants iam:PassRole without an iam:PassedToService condition."];
    },
);
