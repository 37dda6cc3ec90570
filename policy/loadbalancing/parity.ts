/**
 * The two colors must behave identically behind the listener: if blue drains for 300 s and green
 * for 30 s, or they judge health differently, a release behaves differently depending on which
 * color it lands on.
 */
import type { PolicyResource } from "@pulumi/policy";
import { label, ofTypes } from "../lib/stack";
import { stackPolicy } from "../lib/spec";
import { TYPES } from "../lib/types";
import { deregistrationDelay, effectiveHealthCheck } from "./targetGroups";

interface ParityConfig {
    colors: string[];
}

/** The color a target group serves: from its name (`web-blue`), else its `Color` tag. */
function colorOf(tg: PolicyResource, colors: string[]): { color: string; stem: string } | undefined {
    for (const color of colors) {
        const re = new RegExp(`(^|[-_.])${color}([-_.]|$)`, "i");
        if (re.test(tg.name)) return { color, stem: tg.name.replace(re, "$1*$2").toLowerCase() };
    }
    const tags: Record<string, unknown> = tg.props.tags ?? {};
    const tagged = Object.entries(tags).find(([k]) => k.toLowerCase() === "color")?.[1];
    const color = colors.find((c) => typeof tagged === "string" && tagged.toLowerCase() === c.toLowerCase());
    return color ? { color, stem: tg.name.toLowerCase() } : undefined;
}

function settings(tg: PolicyResource): Record<string, unknown> {
    return { deregistrationDelay: deregistrationDelay(tg.props), ...effectiveHealthCheck(tg.props) };
}

export const blueGreenParity = stackPolicy<ParityConfig>(
    {
        name: "lb-blue-green-parity",
        description: "The blue and green target groups of a stack must have identical health-check and deregistration settings.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps: "Build both target groups from one definition (a loop over the colors) so their settings cannot drift.",
        configSchema: {
            properties: {
                colors: { type: "array", items: { type: "string" }, minItems: 2, description: "Color names, matched in target-group names or a `Color` tag.", default: ["blue", "green"] },
            },
        },
    },
    ({ resources }, config, report) => {
        // Target groups are paired by name with the color blanked out (`web-blue` ~ `web-green`);
        // tagged ones without a color in the name all share one pair.
        const pairs = new Map<string, Map<string, PolicyResource>>();
        for (const tg of ofTypes(resources, TYPES.targetGroup)) {
            const c = colorOf(tg, config.colors);
            if (!c) continue;
            const stem = c.stem.includes("*") ? c.stem : "";
            const byColor = pairs.get(stem) ?? new Map<string, PolicyResource>();
            byColor.set(c.color, tg);
            pairs.set(stem, byColor);
        }
        for (const byColor of pairs.values()) {
            const [first, ...others] = config.colors.map((color) => byColor.get(color));
            const present = [first, ...others].filter((tg): tg is PolicyResource => tg !== undefined);
            if (present.length < config.colors.length) {
                const missing = config.colors.filter((color) => !byColor.has(color));
                report(`${label(present[0])} has no ${missing.join("/")} counterpart.`, present[0].urn);
                continue;
            }
            const reference = settings(first!);
            for (const tg of others as PolicyResource[]) {
                const own = settings(tg);
                const differ = Object.keys(reference).filter((k) => reference[k] !== own[k]);
                if (differ.length > 0) {
                    const detail = differ.map((k) => `${k}: ${String(reference[k])} vs ${String(own[k])}`).join("; ");
                    report(`${label(first!)} and ${label(tg)} differ (${detail}).`, tg.urn);
                }
            }
        }
    },
);
