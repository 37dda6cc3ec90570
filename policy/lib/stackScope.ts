/**
 * What a stack names, derived from the stack itself (never from a hand-kept list): the ARNs its
 * resources carry (the `arn` output of roles, buckets, log groups, target groups, deployment
 * groups, …), the accounts and partitions of those ARNs, and its regions (each resource's
 * provider, pulumi-aws v7's per-resource `region`, and its regional ARNs).
 *
 * Stack policies see resources' outputs: after `up` (and in an export) every ARN is known;
 * during a preview a resource still to be created has none yet. Such reads are collected in
 * `unknowns`, and a decision that could depend on them defers to the analyzer's advisory.
 */
import type { PolicyResource } from "@pulumi/policy";
import { hasWildcard, literalPrefix, parseArn } from "./arn";
import { Unknowns } from "./unknowns";

export class StackScope {
    readonly named = new Set<string>();
    readonly accounts = new Set<string>();
    readonly regions = new Set<string>();
    readonly partitions = new Set<string>();
    /** Unknown reads met while collecting: the scope may be missing what they would have added. */
    readonly incomplete = new Unknowns();

    constructor(resources: readonly PolicyResource[]) {
        for (const r of resources) {
            const arn = this.incomplete.attempt(() => r.props.arn);
            if (typeof arn === "string") this.addArn(arn);
            const region = this.incomplete.attempt(() => r.props.region ?? r.provider?.props.region);
            if (typeof region === "string" && region !== "") this.regions.add(region);
        }
    }

    private addArn(value: string): void {
        const arn = parseArn(value);
        if (!arn || hasWildcard(value)) return;
        this.named.add(value);
        if (/^\d{12}$/.test(arn.account)) this.accounts.add(arn.account);
        if (arn.region !== "") this.regions.add(arn.region);
        this.partitions.add(arn.partition);
    }

    /**
     * Whether every ARN the pattern can match is a resource this stack names or lies under one
     * (`<bucket arn>/revisions/*`, `<log group arn>:*`): its text before the first wildcard is a
     * named ARN followed by a separator.
     */
    isUnderNamed(pattern: string): boolean {
        if (this.named.has(pattern)) return true;
        const prefix = literalPrefix(pattern);
        if (prefix === pattern) return false;
        for (let i = 0; i < prefix.length; i++) {
            if ((prefix[i] === "/" || prefix[i] === ":") && this.named.has(prefix.slice(0, i))) return true;
        }
        return false;
    }

    /** Whether an account is this stack's; undefined when the stack shows none (nothing to compare with). */
    ownsAccount(account: string): boolean | undefined {
        return this.accounts.size === 0 ? undefined : this.accounts.has(account);
    }

    ownsRegion(region: string): boolean | undefined {
        return this.regions.size === 0 ? undefined : this.regions.has(region);
    }
}
