/**
 * Relating resources inside a stack policy. Programs wire resources together with outputs
 * (`bucket: bucket.id`), which the engine records as property dependencies; those are known even
 * during preview, when the value itself is still unknown. So a relation is read from the property
 * dependencies, and from the value too where it is known (a program may write a literal name).
 */
import type { PolicyResource } from "@pulumi/policy";
import { asList } from "./spec";
import { Unknowns } from "./unknowns";

interface IdentityIndex {
    position: Map<string, number>;
    byValue: Map<string, number[]>;
    /** A candidate's identity read during preview, still unknown. */
    unknown?: Error;
}

const indexes = new WeakMap<readonly PolicyResource[], Map<string, IdentityIndex>>();

/** The candidates by URN and by the values of their identity properties, built once per candidate list. */
function identityIndex(candidates: readonly PolicyResource[], identityProps: readonly string[]): IdentityIndex {
    let byProps = indexes.get(candidates);
    if (!byProps) indexes.set(candidates, (byProps = new Map()));
    const key = identityProps.join("\n");
    let index = byProps.get(key);
    if (!index) {
        const unknowns = new Unknowns();
        const byValue = new Map<string, number[]>();
        candidates.forEach((c, i) => {
            for (const p of identityProps) {
                const v = unknowns.attempt(() => c.props[p]);
                if (typeof v === "string") byValue.set(v, [...(byValue.get(v) ?? []), i]);
            }
        });
        index = { position: new Map(candidates.map((c, i) => [c.urn, i])), byValue, unknown: unknowns.error };
        byProps.set(key, index);
    }
    return index;
}

/**
 * The resources `source.props[prop]` refers to, among `candidates`: those it depends on, and
 * those whose identity (`identityProps`) the value names literally (`[sg.id, "sg-0abc…"]` depends
 * on one group and names another). During preview the value may be unknown: the dependencies
 * then answer alone, and without any the read raises the analyzer's unknown-value error (as does
 * a candidate's unknown identity when nothing else relates them).
 */
export function referencedBy(
    source: PolicyResource,
    prop: string,
    candidates: readonly PolicyResource[],
    identityProps: readonly string[],
): PolicyResource[] {
    const index = identityIndex(candidates, identityProps);
    const deps = (source.propertyDependencies[prop] ?? []).map((d) => d.urn);
    const read = () => new Set(asList<unknown>(source.props[prop]).filter((v): v is string => typeof v === "string"));
    const values = deps.length > 0 ? (new Unknowns().attempt(read) ?? new Set<string>()) : prop in source.props ? read() : new Set<string>();
    if (deps.length === 0 && values.size > 0 && index.unknown) throw index.unknown;
    const found = new Set<number>();
    for (const urn of deps) if (index.position.has(urn)) found.add(index.position.get(urn)!);
    for (const v of values) for (const i of index.byValue.get(v) ?? []) found.add(i);
    return [...found].sort((a, b) => a - b).map((i) => candidates[i]);
}

export function ofTypes(resources: readonly PolicyResource[], types: readonly string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}

/** `aws:lb/targetGroup:TargetGroup (blue-tg)`: how messages name a resource. */
export function label(r: Pick<PolicyResource, "type" | "name">): string {
    return `${r.type} (${r.name})`;
}
