/** Renders simulated resources as the tree `pulumi preview` shows: children under their component. */
import type { SimulatedResource } from "./simulate";

export function renderResourceTree(resources: SimulatedResource[]): string {
    const children = new Map<string | undefined, SimulatedResource[]>();
    for (const r of resources) {
        const siblings = children.get(r.parent) ?? [];
        siblings.push(r);
        children.set(r.parent, siblings);
    }
    const lines: string[] = [];
    const walk = (parent: string | undefined, indent: string) => {
        const kids = children.get(parent) ?? [];
        kids.forEach((r, i) => {
            const last = i === kids.length - 1;
            const branch = parent === undefined ? "" : last ? "└─ " : "├─ ";
            const flags = [r.protect ? "protected" : "", r.ignoreChanges.length ? `ignores changes to ${r.ignoreChanges.join(", ")}` : ""].filter(Boolean);
            lines.push(`${indent}${branch}${r.name}  ${r.type}${flags.length ? `  [${flags.join("; ")}]` : ""}`);
            walk(r.urn, parent === undefined ? indent : indent + (last ? "   " : "│  "));
        });
    };
    walk(undefined, "");
    return lines.join("\n");
}
