/** Reads the project's Pulumi.yaml and Pulumi.<stack>.yaml the way the Pulumi CLI hands them to a program. */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { RawConfig } from "./config";

export const PROJECT_ROOT = path.resolve(__dirname, "..");

export function projectName(root = PROJECT_ROOT): string {
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name?: unknown };
    if (typeof project?.name !== "string") throw new Error(`${path.join(root, "Pulumi.yaml")} has no project name`);
    return project.name;
}

/** The stacks that have a Pulumi.<stack>.yaml, sorted. */
export function knownStacks(root = PROJECT_ROOT): string[] {
    return fs
        .readdirSync(root)
        .map((f) => /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/**
 * The stack's config as fully qualified keys with string values; structured values become JSON,
 * as the CLI passes them. Secrets cannot be decrypted here, so a stack that has one is refused.
 */
export function readStackConfig(stack: string, root = PROJECT_ROOT): RawConfig {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new Error(`unknown stack "${stack}": ${file} does not exist; known stacks: ${knownStacks(root).join(", ") || "none"}`);
    }
    const doc = (parse(fs.readFileSync(file, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const raw: RawConfig = {};
    for (const [key, value] of Object.entries(doc.config ?? {})) {
        if (value !== null && typeof value === "object" && "secure" in value) {
            throw new Error(`${file}: ${key} is a secret; bluegreen keeps no secrets in stack config`);
        }
        raw[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}
