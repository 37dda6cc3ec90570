/**
 * Secrets in a `pulumi stack export`. The CLI decrypts secrets before it hands resources to a
 * policy pack; an export holds them decrypted only when written with `--show-secrets`
 * (`{sig, plaintext}`), else as ciphertext the gate cannot read. A ciphertext secret is handed to
 * the analyzer as an unknown value; when a policy then needs it (the analyzer's "can't run …
 * value at .<path> can't be known" for that very path), the gate fails closed: it cannot judge
 * what it cannot read, and passing would let a secret policy document through unseen.
 */
import { specialSecretSig as SECRET_SIG, specialSigKey as SIG_KEY } from "@pulumi/pulumi/runtime/rpc";
import { UNKNOWN } from "../lib/unknowns";
import type { SourceResource, Violation } from "./analyzer";

export class SecretNeededError extends Error {}

/**
 * A state property bag as the engine sends it: `{sig, plaintext}` secrets become the engine's
 * `{sig, value}` (the analyzer unwraps them), ciphertext-only secrets become unknown values and
 * their property paths are recorded in `ciphertext`.
 */
export function fromState(value: unknown, ciphertext: string[], at: string[] = []): unknown {
    if (Array.isArray(value)) return value.map((v, i) => fromState(v, ciphertext, [...at, String(i)]));
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) {
        if (typeof obj.plaintext === "string") return { [SIG_KEY]: SECRET_SIG, value: JSON.parse(obj.plaintext) };
        if ("value" in obj) return obj;
        ciphertext.push(at.join("."));
        return UNKNOWN;
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, fromState(v, ciphertext, [...at, k])]));
}

const CANT_RUN = /^can't run policy '([^']+)'.* value at \.(.+) can't be known during preview$/s;

/** Throws SecretNeededError when a policy could not run because it needed a ciphertext secret. */
export function findSecretNeeded(violations: readonly Violation[], resources: readonly SourceResource[]): void {
    const needed: string[] = [];
    for (const v of violations) {
        const m = CANT_RUN.exec(v.message);
        if (!m) continue;
        const [, policy, prop] = m;
        const holders = resources.filter((r) => r.ciphertext?.includes(prop));
        const own = holders.filter((r) => r.urn === v.urn);
        for (const r of own.length > 0 ? own : holders) needed.push(`policy ${policy} needs ${r.urn} .${prop}`);
    }
    if (needed.length === 0) return;
    throw new SecretNeededError(
        `the export holds secrets only as ciphertext, and policies need their values:\n  - ${[...new Set(needed)].join("\n  - ")}\n` +
            "Export the stack with its secrets decrypted (`pulumi stack export --show-secrets --file <file>`) and run the gate on that file.",
    );
}
