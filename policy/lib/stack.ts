/**
 * Relating resources inside a stack policy. Programs wire resources together with outputs
 * (`bucket: bucket.id`), which the engine records as property dependencies; those are known even
 * during preview, when the value itself is still unknown. So a relation is read from the property
 * dependencies first, and the (possibly unknown) value is only compared when a program wrote a
 * literal name instead.
 */
import type { PolicyResource } from "@pulumi/policy";
import { asList } from "./spec";

/** The resources `source.props[prop]` refers to, among `candidates`. */
export function referencedBy(
    source: PolicyResource,
    prop: string,
    candidates: readonly PolicyResource[],
    identityProps: readonly string[],
): PolicyResource[] {
    const deps = source.propertyDependencies[prop];
    if (deps && deps.length > 0) {
        const urns = new Set(deps.map((d) => d.urn));
        return candidates.filter((c) => urns.has(c.urn));
    }
    if (!(prop in source.props)) return [];
    const values = new Set(asList<unknown>(source.props[prop]).filter((v): v is string => typeof v === "string"));
    if (values.size === 0) return [];
    return candidates.filter((c) => identityProps.some((p) => values.has(c.props[p] as string)));
}

export function ofTypes(resources: readonly PolicyResource[], types: readonly string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}

/** `aws:lb/targetGroup:TargetGroup (blue-tg)`: how messages name a resource. */
export function label(r: Pick<PolicyResource, "type" | "name">): string {
    return `${r.type} (${r.name})`;
}
