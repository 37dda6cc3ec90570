/** Names shared by every component, so a resource's name tells which stack and color it serves. */
import type { StackConfig } from "./config";

export const COLORS = ["blue", "green"] as const;
export type Color = (typeof COLORS)[number];

/** `bluegreen-staging`: the prefix for names AWS shows in consoles and metrics. */
export function stackPrefix(cfg: Pick<StackConfig, "project" | "stack">): string {
    return `${cfg.project}-${cfg.stack}`;
}

/** Tags every taggable resource carries, so cost and ownership reports can group by stack. */
export function stackTags(cfg: Pick<StackConfig, "project" | "stack">): Record<string, string> {
    return { Project: cfg.project, Stack: cfg.stack, ManagedBy: "pulumi" };
}

/** Builds one value per color. */
export const perColor = <T>(make: (color: Color) => T): Record<Color, T> => Object.fromEntries(COLORS.map((c) => [c, make(c)])) as Record<Color, T>;
