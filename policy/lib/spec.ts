/**
 * Builders every domain module uses, so each policy carries the same metadata (stable name,
 * description, severity, default enforcement level, remediation steps, config schema with
 * defaults) and reads its config the same way.
 */
import type {
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";

export interface PolicyMeta {
    /** Stable kebab-case name: policy config files and CI logs refer to it. */
    name: string;
    description: string;
    severity: Severity;
    /** Default level; the per-stack config files in policy/config/ may override it. */
    enforcementLevel: EnforcementLevel;
    remediationSteps: string;
    /** Every property has a `default`, so a pack run without a config file behaves as documented. */
    configSchema?: PolicyConfigSchema;
}

/**
 * The CLI fills schema defaults in before calling a policy; applying them again here keeps a
 * policy correct under any caller (an older CLI, the offline gate, a test) at no cost.
 */
export function readConfig<C>(schema: PolicyConfigSchema | undefined, given: object): C {
    const defaults: Record<string, unknown> = {};
    for (const [key, prop] of Object.entries(schema?.properties ?? {})) {
        if (typeof prop === "object" && prop.default !== undefined) defaults[key] = prop.default;
    }
    return { ...defaults, ...given } as C;
}

export type ResourceCheck<C> = (
    props: Record<string, any>,
    args: ResourceValidationArgs,
    config: C,
    report: ReportViolation,
) => void | Promise<void>;

/** A resource policy that runs only on the given type tokens (all aliases of one AWS resource). */
export function resourcePolicy<C = Record<string, never>>(
    meta: PolicyMeta,
    types: readonly string[],
    check: ResourceCheck<C>,
): ResourceValidationPolicy {
    return {
        ...meta,
        validateResource: (args, report) => {
            if (!types.includes(args.type)) return;
            return check(args.props, args, readConfig<C>(meta.configSchema, args.getConfig()), report);
        },
    };
}

export type StackCheck<C> = (args: StackValidationArgs, config: C, report: ReportViolation) => void | Promise<void>;

export function stackPolicy<C = Record<string, never>>(meta: PolicyMeta, check: StackCheck<C>): StackValidationPolicy {
    return {
        ...meta,
        validateStack: (args, report) => check(args, readConfig<C>(meta.configSchema, args.getConfig()), report),
    };
}

/** Case-insensitive string comparison: AWS enums arrive as "ELB", "elb", "Enabled", "enabled"… */
export function sameText(a: unknown, b: string): boolean {
    return typeof a === "string" && a.toLowerCase() === b.toLowerCase();
}

/** Numbers arrive as numbers from programs and sometimes as strings from state (`"300"`). */
export function asNumber(value: unknown): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
    return undefined;
}

/** A value given as one item or a list of items, as IAM documents and several inputs allow. */
export function asList<T>(value: T | T[] | undefined | null): T[] {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? value : [value];
}
