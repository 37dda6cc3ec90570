/**
 * Test harness: drives one policy through offline/analyzer.ts, which serves it with
 * @pulumi/policy's own analyzer service (unknown-checking proxy, throwing notApplicable,
 * stackTags, per-policy config and enforcement levels), as the Pulumi CLI would.
 */
import type { Policy } from "@pulumi/policy";
import { evaluate, type SourceResource, UNKNOWN, type Violation } from "../offline/analyzer";
import type { PolicyPackConfigFile } from "../offline/config";
import { policies } from "../policies";

export { UNKNOWN };

export interface TestResource extends SourceResource {
    name: string;
}

/** A resource; `refs` wires inputs to other resources the way outputs do (property dependencies). */
export function res(type: string, name: string, inputs: Record<string, unknown>, refs: Record<string, TestResource[]> = {}): TestResource {
    const propertyDependencies = Object.fromEntries(Object.entries(refs).map(([k, v]) => [k, v.map((r) => r.urn)]));
    return {
        urn: `urn:pulumi:test::bluegreen::${type}::${name}`,
        type,
        name,
        inputs,
        propertyDependencies,
        dependencies: Object.values(propertyDependencies).flat(),
    };
}

export function policyNamed(name: string): Policy {
    const p = policies.find((x) => x.name === name);
    if (!p) throw new Error(`no policy ${name}`);
    return p;
}

export interface CheckOptions {
    /** The policy's config entry, as in a policy-config file (may include enforcementLevel). */
    config?: Record<string, unknown>;
    stackTags?: Record<string, string>;
}

/** Violations of one policy over the given resources. */
export function check(policy: string, resources: TestResource | TestResource[], opts: CheckOptions = {}): Promise<Violation[]> {
    const config: PolicyPackConfigFile = opts.config ? { [policy]: opts.config } : {};
    return evaluate(Array.isArray(resources) ? resources : [resources], { policies: [policyNamed(policy)], config, stackTags: opts.stackTags });
}

/** Just the findings (the message without the policy description), for readable assertions. */
export async function findings(policy: string, resources: TestResource | TestResource[], opts?: CheckOptions): Promise<string[]> {
    return (await check(policy, resources, opts)).map((v) => v.message.split("\n").slice(1).join("\n") || v.message);
}

/** An IAM policy document with one statement. */
export function doc(statement: Record<string, unknown>): string {
    return JSON.stringify({ Version: "2012-10-17", Statement: [statement] });
}
