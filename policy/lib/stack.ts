/**
 * Relating resources inside a stack policy. Programs wire resources together with outputs
 * (`bucket: bucket.id`), which the engine records as property dependencies; those are known even
 * during preview, when the value itself is still unknown. So a relation is read from the property
 * dependencies, and from the value too where it is known (a program may write a literal name).
 */
import type { PolicyResource } from "@pulumi/policy";
import { asList } from "./spec";
import { Unknowns } from "./unknowns";

/**
 * The resources `source.props[prop]` refers to, among `candidates`: those it depends on, and
 * those whose identity (`identityProps`) the value names literally (`[sg.id, "sg-0abc…"]` depends
 * on one group and names another). During preview the value may be unknown: the dependencies
 * then answer alone, and without any the read raises the analyzer's unknown-value error.
 */
export function referencedBy(
    source: PolicyResource,
    prop: string,
    candidates: readonly PolicyResource[],
    identityProps: readonly string[],
): PolicyResource[] {
    const urns = new Set((source.propertyDependencies[prop] ?? []).map((d) => d.urn));
    const read = () => new Set(asList<unknown>(source.props[prop]).filter((v): v is string => typeof v === "string"));
    const values = urns.size > 0 ? (new Unknowns().attempt(read) ?? new Set<string>()) : prop in source.props ? read() : new Set<string>();
    return candidates.filter((c) => urns.has(c.urn) || (values.size > 0 && identityProps.some((p) => values.has(c.props[p] as string))));
}

export function ofTypes(resources: readonly PolicyResource[], types: readonly string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}

/** `aws:lb/targetGroup:TargetGroup (blue-tg)`: how messages name a resource. */
export function label(r: Pick<PolicyResource, "type" | "name">): string {
    return `${r.type} (${r.name})`;
}
