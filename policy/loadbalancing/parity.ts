/**
 * The two colors must behave identically behind the listener: if blue drains for 300 s and green
 * for 30 s, or they judge health differently, a release behaves differently depending on which
 * color it lands on. Target groups are paired by what they are, not by their names:
 *   - the groups one forward action spreads traffic over (the production listener's weighted
 *     forward, the test listener's, a listener rule's) are one set;
 *   - target groups that declare a color in a `Color` tag are paired with the groups carrying the
 *     same other tags and another color.
 */
import type { PolicyResource } from "@pulumi/policy";
import { label, ofTypes } from "../lib/stack";
import { asList, asNumber, stackPolicy } from "../lib/spec";
import { TYPES } from "../lib/types";
import { Unknowns } from "../lib/unknowns";
import { deregistrationDelay, effectiveHealthCheck } from "./targetGroups";

interface ParityConfig {
    colors: string[];
}

/**
 * Settings that change how a group treats requests, with AWS's values when unset (Elastic Load
 * Balancing API Reference, TargetGroupAttribute: slow_start.duration_seconds 0,
 * load_balancing.algorithm.type round_robin, stickiness.enabled false).
 */
function settings(tg: PolicyResource): Record<string, unknown> {
    const p = tg.props;
    return {
        deregistrationDelay: deregistrationDelay(p),
        slowStart: asNumber(p.slowStart) ?? 0,
        loadBalancingAlgorithmType: String(p.loadBalancingAlgorithmType ?? "round_robin").toLowerCase(),
        stickiness: p.stickiness?.enabled === true || p.stickiness?.enabled === "true",
        ...effectiveHealthCheck(p),
    };
}

/** The target groups each forward action of a listener or listener rule spreads traffic over. */
function forwardSets(resources: readonly PolicyResource[], groups: PolicyResource[], unknowns: Unknowns): PolicyResource[][] {
    const sets: PolicyResource[][] = [];
    for (const r of ofTypes(resources, [...TYPES.listener, ...TYPES.listenerRule])) {
        const prop = TYPES.listener.includes(r.type) ? "defaultActions" : "actions";
        const byValue = unknowns.attempt(() =>
            asList<Record<string, any>>(r.props[prop])
                .filter((a) => String(a.type).toLowerCase() === "forward")
                .map((a) => [...asList<Record<string, any>>(a.forward?.targetGroups).map((t) => t.arn), ...(a.targetGroupArn ? [a.targetGroupArn] : [])]),
        );
        if (byValue) {
            for (const arns of byValue) sets.push(groups.filter((g) => arns.includes(unknowns.attempt(() => g.props.arn))));
        } else {
            // Values unknown during preview: the engine still records which resources the actions use.
            const deps = new Set((r.propertyDependencies[prop] ?? []).map((d) => d.urn));
            sets.push(groups.filter((g) => deps.has(g.urn)));
        }
    }
    return sets.filter((s) => s.length >= 2);
}

/** Groups with a `Color` tag naming one of the colors, keyed by their other tags. */
function colorSets(groups: PolicyResource[], colors: string[], taken: Set<string>): PolicyResource[][] {
    const sets = new Map<string, PolicyResource[]>();
    for (const tg of groups) {
        if (taken.has(tg.urn)) continue;
        const tags: Record<string, unknown> = tg.props.tags ?? {};
        const colorKey = Object.keys(tags).find((k) => k.toLowerCase() === "color");
        const color = colorKey === undefined ? undefined : String(tags[colorKey]).toLowerCase();
        if (!color || !colors.some((c) => c.toLowerCase() === color)) continue;
        const rest = Object.entries(tags).filter(([k]) => k !== colorKey).sort(([a], [b]) => a.localeCompare(b));
        const key = JSON.stringify(rest);
        sets.set(key, [...(sets.get(key) ?? []), tg]);
    }
    return [...sets.values()];
}

function colorOf(tg: PolicyResource): string | undefined {
    const tags: Record<string, unknown> = tg.props.tags ?? {};
    const key = Object.keys(tags).find((k) => k.toLowerCase() === "color");
    return key === undefined ? undefined : String(tags[key]).toLowerCase();
}

export const blueGreenParity = stackPolicy<ParityConfig>(
    {
        name: "lb-blue-green-parity",
        description:
            "The blue and green target groups of a stack (the groups a forward action spreads traffic over, or groups declaring a Color tag) must have identical health-check, deregistration, slow-start, algorithm and stickiness settings.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps: "Build both target groups from one definition (a loop over the colors) so their settings cannot drift.",
        configSchema: {
            properties: {
                colors: { type: "array", items: { type: "string" }, minItems: 2, description: "Color names a target group may declare in its `Color` tag.", default: ["blue", "green"] },
            },
        },
    },
    ({ resources }, config, report) => {
        const unknowns = new Unknowns();
        const groups = ofTypes(resources, TYPES.targetGroup);
        const forwarded = forwardSets(resources, groups, unknowns);
        const taken = new Set(forwarded.flat().map((g) => g.urn));
        const seen = new Set<string>();
        for (const set of [...forwarded, ...colorSets(groups, config.colors, taken)]) {
            const key = set.map((g) => g.urn).sort().join("\n");
            if (seen.has(key)) continue;
            seen.add(key);
            if (set.length < 2) {
                const have = colorOf(set[0]);
                const missing = config.colors.filter((c) => c.toLowerCase() !== have);
                report(`${label(set[0])} has no ${missing.join("/")} counterpart.`, set[0].urn);
                continue;
            }
            const [first, ...others] = set;
            const reference = settings(first);
            for (const tg of others) {
                const own = settings(tg);
                const differ = Object.keys(reference).filter((k) => reference[k] !== own[k]);
                if (differ.length > 0) {
                    const detail = differ.map((k) => `${k}: ${String(reference[k])} vs ${String(own[k])}`).join("; ");
                    report(`${label(first)} and ${label(tg)} differ (${detail}).`, tg.urn);
                }
            }
        }
        unknowns.rethrow();
    },
);
