/** Human output of policy verdicts, grouped and worded like the Pulumi CLI's policy summary. */
import packageJson from "../package.json";
import { PACK_NAME } from "../policies";
import { nameFromUrn, type SourceResource, type Violation } from "./analyzer";

export function renderVerdicts(violations: Violation[], resources: readonly SourceResource[]): string {
    const pack = `${PACK_NAME}@v${packageJson.version}`;
    if (violations.length === 0) return `Policies:\n    ✅ ${pack} (local: policy)\n\nNo policy violations.`;
    const types = new Map(resources.map((r) => [r.urn, r.type]));
    const lines = ["Policies:", `    ${violations.some((v) => v.enforcementLevel === "mandatory") ? "❌" : "⚠️"} ${pack} (local: policy)`];
    for (const v of violations) {
        const where = v.urn ? `  (${types.get(v.urn) ?? "?"}: ${nameFromUrn(v.urn)})` : "";
        lines.push(`        - [${v.enforcementLevel}]  ${v.policy}${where}`);
        for (const line of v.message.split("\n")) lines.push(`          ${line}`);
        if (v.urn) lines.push(`          ${v.urn}`);
    }
    const mandatory = violations.filter((v) => v.enforcementLevel === "mandatory").length;
    lines.push("", `${mandatory} mandatory, ${violations.length - mandatory} advisory violation(s).`);
    return lines.join("\n");
}
