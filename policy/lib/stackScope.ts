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
import { type ArnType, loadServicesOf, typesOfArn } from "./arnTypes";
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

    /** Loads the IAM data's resource types of the services the stack's ARNs belong to (for the reads below). */
    prepare(): Promise<void> {
        return loadServicesOf(this.named);
    }

    private byType: Map<string, string[]> | undefined;

    /** This stack's ARNs of a resource type (read against the type's ARN format). */
    namedOfType(type: Pick<ArnType, "key">): string[] {
        if (!this.byType) {
            this.byType = new Map();
            for (const arn of this.named) {
                for (const t of typesOfArn(arn)) this.byType.set(t.key, [...(this.byType.get(t.key) ?? []), arn]);
            }
        }
        return this.byType.get(type.key) ?? [];
    }

    /** Whether the stack declares resources of the type (so a resource of that type it does not name is another deployment's). */
    declares(type: Pick<ArnType, "key">): boolean {
        return this.namedOfType(type).length > 0;
    }

    /**
     * Whether every ARN the pattern can match is a resource this stack names or a child of one:
     * its text before the first wildcard is a named ARN followed by a separator that leads to the
     * named resource's child types (`<bucket arn>/` to objects, `<log group arn>:` to log streams).
     * `<log group arn>/*` is not: log group names hold `/`, so it spans other log groups.
     */
    isUnderNamed(pattern: string): boolean {
        if (this.named.has(pattern)) return true;
        const prefix = literalPrefix(pattern);
        for (let i = 0; i < prefix.length; i++) {
            const separator = prefix[i];
            if (separator !== "/" && separator !== ":") continue;
            const parent = prefix.slice(0, i);
            if (this.named.has(parent) && typesOfArn(parent).some((t) => t.childSeparators.has(separator))) return true;
        }
        return false;
    }

    /**
     * Why a literal ARN names a resource that is not this stack's although the stack declares
     * resources of that type (another stack's deployment group, an admin role), or lies under
     * such a resource (an object in another stack's bucket); undefined when it does not.
     * `types` limits the first test to the types the action acts on (by ARN format: `sts:AssumeRole`
     * acts on the sts service's `role`, whose format is IAM's).
     */
    outsideStack(arn: string, types?: readonly Pick<ArnType, "pattern">[]): string | undefined {
        if (this.isUnderNamed(arn)) return undefined;
        for (const t of typesOfArn(arn)) {
            if ((!types || types.some((x) => x.pattern === t.pattern)) && this.declares(t)) return `it names a ${t.name} that is not this stack's (the stack declares its own ${t.name} resources)`;
        }
        const head = arn.split(":").slice(0, 5).join(":").length;
        for (let i = head + 1; i < arn.length; i++) {
            const separator = arn[i];
            if (separator !== "/" && separator !== ":") continue;
            const parent = arn.slice(0, i);
            const parentType = typesOfArn(parent).find((t) => t.childSeparators.has(separator) && this.declares(t));
            if (parentType) return `it lies under a ${parentType.name} that is not this stack's (${parent})`;
        }
        return undefined;
    }

    /** Whether a literal ARN (say a condition value) is one this stack may name: its account and region, and not another deployment's resource. */
    mayName(value: string): boolean {
        const arn = parseArn(value);
        if (!arn) return true;
        if (arn.account !== "" && this.ownsAccount(arn.account) === false) return false;
        if (arn.region !== "" && this.ownsRegion(arn.region) === false) return false;
        return this.outsideStack(value) === undefined;
    }

    /** Whether an account is this stack's; undefined when the stack shows none (nothing to compare with). */
    ownsAccount(account: string): boolean | undefined {
        return this.accounts.size === 0 ? undefined : this.accounts.has(account);
    }

    ownsRegion(region: string): boolean | undefined {
        return this.regions.size === 0 ? undefined : this.regions.has(region);
    }
}
