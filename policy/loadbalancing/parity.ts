/**
 * The two colors must behave identically behind the listener: if blue drains for 300 s and green
 * for 30 s, or they judge health differently, a release behaves differently depending on which
 * color it lands on. Target groups are paired by what they are, not by their names:
 *   - the groups one forward action spreads traffic over (the production listener's weighted
 *     forward, the test listener's, a listener rule's) are one set;
 *   - the groups that serve one CodeDeploy application's deployment groups (through their Auto
 *     Scaling groups' `targetGroupArns` or attachments, or the deployment group's own
 *     `loadBalancerInfo`) are one set: each color is a deployment group of the application;
 *   - target groups that declare a color in a `Color` tag are paired with the groups carrying the
 *     same other tags, a color's name in a tag value read as any color (`Name: web-blue`).
 * Every setting is compared, not a list of known ones: only what names a group (name, ARN, tags)
 * may differ. AWS's values fill in what is unset.
 */
import type { PolicyResource } from "@pulumi/policy";
import { label, ofTypes, referencedBy } from "../lib/stack";
import { asList, asNumber, stackPolicy } from "../lib/spec";
import { TYPES } from "../lib/types";
import { Unknowns } from "../lib/unknowns";
import { deregistrationDelay, effectiveHealthCheck } from "./targetGroups";

interface ParityConfig {
    colors: string[];
}

/** What names a target group, not how it treats requests. */
const IDENTITY = new Set(["arn", "arnSuffix", "id", "name", "namePrefix", "tags", "tagsAll", "loadBalancerArns"]);

/** A setting whose value is unknown during preview. */
const UNKNOWN = Symbol("unknown");

/**
 * Every setting of a target group, as comparable text, with AWS's values for settings left unset
 * (Elastic Load Balancing API Reference, CreateTargetGroup and TargetGroupAttribute):
 * slow_start.duration_seconds 0, load_balancing.algorithm.type round_robin, stickiness.enabled
 * false (type lb_cookie, lb_cookie.duration_seconds 86400), TargetType instance, IpAddressType
 * ipv4, ProtocolVersion HTTP1 for HTTP(S) groups, load_balancing.cross_zone.enabled
 * use_load_balancer_configuration.
 */
function settings(tg: PolicyResource, unknowns: Unknowns): Map<string, string | typeof UNKNOWN> {
    const p = tg.props;
    const http = ["HTTP", "HTTPS"].includes(String(p.protocol ?? "HTTP").toUpperCase());
    const stickiness = p.stickiness?.enabled === true || p.stickiness?.enabled === "true"
        ? { enabled: true, type: p.stickiness.type ?? "lb_cookie", cookieDuration: asNumber(p.stickiness.cookieDuration) ?? 86400, cookieName: p.stickiness.cookieName }
        : { enabled: false };
    const known: Record<string, unknown> = {
        deregistrationDelay: deregistrationDelay(p),
        slowStart: asNumber(p.slowStart) ?? 0,
        loadBalancingAlgorithmType: String(p.loadBalancingAlgorithmType ?? "round_robin").toLowerCase(),
        stickiness,
        targetType: p.targetType ?? "instance",
        ipAddressType: p.ipAddressType ?? "ipv4",
        protocolVersion: http ? String(p.protocolVersion ?? "HTTP1").toUpperCase() : p.protocolVersion,
        loadBalancingCrossZoneEnabled: p.loadBalancingCrossZoneEnabled ?? "use_load_balancer_configuration",
        ...Object.fromEntries(Object.entries(effectiveHealthCheck(p)).map(([k, v]) => [`healthCheck.${k}`, v])),
    };
    const result = new Map<string, string | typeof UNKNOWN>();
    for (const [k, v] of Object.entries(known)) result.set(k, JSON.stringify(v) ?? "unset");
    for (const key of Object.keys(p)) {
        if (IDENTITY.has(key) || key === "healthCheck" || key in known) continue;
        // Unknown during preview (or a secret the gate cannot read): that setting cannot be compared.
        result.set(key, unknowns.attempt(() => JSON.stringify(p[key]) ?? "unset") ?? UNKNOWN);
    }
    return result;
}

/** Settings of two groups that differ, as `key: a vs b` (settings unknown on either side are left to the analyzer's advisory). */
function differences(a: Map<string, string | typeof UNKNOWN>, b: Map<string, string | typeof UNKNOWN>): string[] {
    const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== UNKNOWN && b.get(k) !== UNKNOWN);
    const show = (v: string | typeof UNKNOWN | undefined) => (v === undefined ? "unset" : String(v).replace(/^"(.*)"$/, "$1"));
    return keys.filter((k) => a.get(k) !== b.get(k)).map((k) => `${k}: ${show(a.get(k))} vs ${show(b.get(k))}`);
}

/** The target groups each forward action of a listener or listener rule spreads traffic over. */
function forwardSets(resources: readonly PolicyResource[], groups: PolicyResource[], unknowns: Unknowns): PolicyResource[][] {
    const sets: PolicyResource[][] = [];
    let arns: Map<unknown, PolicyResource[]> | undefined;
    const byArn = () => {
        if (!arns) {
            arns = new Map();
            for (const g of groups) {
                const arn = unknowns.attempt(() => g.props.arn);
                arns.set(arn, [...(arns.get(arn) ?? []), g]);
            }
        }
        return arns;
    };
    for (const r of ofTypes(resources, [...TYPES.listener, ...TYPES.listenerRule])) {
        const prop = TYPES.listener.includes(r.type) ? "defaultActions" : "actions";
        const byValue = unknowns.attempt(() =>
            asList<Record<string, any>>(r.props[prop])
                .filter((a) => String(a.type).toLowerCase() === "forward")
                .map((a) => [...asList<Record<string, any>>(a.forward?.targetGroups).map((t) => t.arn), ...(a.targetGroupArn ? [a.targetGroupArn] : [])]),
        );
        if (byValue) {
            for (const forwarded of byValue) sets.push([...new Set(forwarded.flatMap((arn) => (arn === undefined ? [] : (byArn().get(arn) ?? []))))]);
        } else {
            // Values unknown during preview: the engine still records which resources the actions use.
            const deps = new Set((r.propertyDependencies[prop] ?? []).map((d) => d.urn));
            sets.push(groups.filter((g) => deps.has(g.urn)));
        }
    }
    return sets.filter((s) => s.length >= 2);
}

/** The target groups serving each CodeDeploy application's deployment groups (one per color). */
function deploymentSets(resources: readonly PolicyResource[], groups: PolicyResource[], unknowns: Unknowns): PolicyResource[][] {
    const asgs = ofTypes(resources, TYPES.autoScalingGroup);
    const viaAttachments = new Map<string, PolicyResource[]>();
    for (const a of ofTypes(resources, TYPES.autoScalingAttachment)) {
        const served = referencedBy(a, "lbTargetGroupArn", groups, ["arn"]);
        for (const asg of referencedBy(a, "autoscalingGroupName", asgs, ["name"])) viaAttachments.set(asg.urn, [...(viaAttachments.get(asg.urn) ?? []), ...served]);
    }
    const servedBy = (asg: PolicyResource) => [...referencedBy(asg, "targetGroupArns", groups, ["arn"]), ...(viaAttachments.get(asg.urn) ?? [])];
    const byApplication = new Map<string, Set<PolicyResource>>();
    for (const dg of ofTypes(resources, TYPES.deploymentGroup)) {
        // The application's name may be unknown during preview: the resource it comes from identifies it then.
        const app = new Unknowns().attempt(() => String(dg.props.appName)) ?? (dg.propertyDependencies.appName ?? []).map((d) => d.urn).join();
        const info = unknowns.attempt(() => dg.props.loadBalancerInfo) ?? {};
        const named = new Set<unknown>([
            ...asList<Record<string, unknown>>(info.targetGroupInfos).map((t) => t.name),
            ...asList<Record<string, any>>(info.targetGroupPairInfos).flatMap((p) => asList<Record<string, unknown>>(p.targetGroups).map((t) => t.name)),
        ]);
        const served = [...referencedBy(dg, "autoscalingGroups", asgs, ["name"]).flatMap(servedBy), ...(named.size > 0 ? groups.filter((g) => named.has(g.props.name)) : [])];
        const set = byApplication.get(app) ?? new Set<PolicyResource>();
        served.forEach((g) => set.add(g));
        byApplication.set(app, set);
    }
    return [...byApplication.values()].map((s) => [...s]).filter((s) => s.length >= 2);
}

function colorOf(tg: PolicyResource): string | undefined {
    const tags: Record<string, unknown> = tg.props.tags ?? {};
    const key = Object.keys(tags).find((k) => k.toLowerCase() === "color");
    return key === undefined ? undefined : String(tags[key]).toLowerCase();
}

/** Groups with a `Color` tag naming one of the colors, keyed by their other tags with color names read as any color. */
function colorSets(groups: PolicyResource[], colors: string[], taken: Set<string>): PolicyResource[][] {
    const sets = new Map<string, PolicyResource[]>();
    const anyColor = new RegExp(colors.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "gi");
    for (const tg of groups) {
        const color = colorOf(tg);
        if (taken.has(tg.urn) || !color || !colors.some((c) => c.toLowerCase() === color)) continue;
        const rest = Object.entries(tg.props.tags as Record<string, unknown>)
            .filter(([k]) => k.toLowerCase() !== "color")
            .map(([k, v]) => [k, String(v).replace(anyColor, "{color}")])
            .sort(([a], [b]) => a.localeCompare(b));
        const key = JSON.stringify(rest);
        sets.set(key, [...(sets.get(key) ?? []), tg]);
    }
    return [...sets.values()];
}

export const blueGreenParity = stackPolicy<ParityConfig>(
    {
        name: "lb-blue-green-parity",
        description:
            "The blue and green target groups of a stack (the groups a forward action spreads traffic over, the groups serving one CodeDeploy application's deployment groups, or groups declaring a Color tag) must have identical settings: only their names and tags may differ.",
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
        const related = [...forwardSets(resources, groups, unknowns), ...deploymentSets(resources, groups, unknowns)];
        const taken = new Set(related.flat().map((g) => g.urn));
        const seen = new Set<string>();
        for (const set of [...related, ...colorSets(groups, config.colors, taken)]) {
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
            const reference = settings(first, unknowns);
            for (const tg of others) {
                const differ = differences(reference, settings(tg, unknowns));
                if (differ.length > 0) report(`${label(first)} and ${label(tg)} differ (${differ.join("; ")}).`, tg.urn);
            }
        }
        unknowns.rethrow();
    },
);
