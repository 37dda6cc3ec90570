/**
 * Which resources an Allow statement reaches, judged against what this stack names.
 *
 * For every action a statement grants (wildcards expanded with the IAM data) and every pattern in
 * its `Resource`, the pattern is matched against the ARN format of each resource type the action
 * acts on (IAM data). For a type it can reach, the pattern is
 *   - fine when it has no wildcard and names this stack's account (where the type has one) and
 *     region (where the type is regional) — a literal ARN the stack chose to name;
 *   - fine when it lies under an ARN this stack declares (`<bucket arn>/revisions/*`,
 *     `<log group arn>:*`): the wildcard spans only the children of a resource of the stack;
 *   - over-broad otherwise: a wildcard spanning resource names (`role/*`, `secret:*`,
 *     `deploymentgroup:app/*`, revisions in every bucket (`s3:::*` then `/revisions/*`), `?` too), another account or another
 *     region. Another account or region is never excused.
 * A wildcard over names in this account and region (or `*`) is excused for a resource type when
 * the statement pins, exactly and positively (iamConditions.ts), a condition key AWS evaluates
 * for that type — e.g. `ec2:LaunchTemplate` for the instances RunInstances creates — or, when all
 * of the action's resource types are optional, a key of the action itself (PutMetricData's
 * `cloudwatch:namespace`). Actions AWS authorizes only on `*` are never over-broad.
 */
import { hasWildcard, parseArn, patternRegExp, patternsIntersect, variablesAsWildcards } from "../lib/arn";
import { formatlessType, loadServicesOf, typesOfArn, wildcardsOnlyInIds } from "../lib/arnTypes";
import { type ActionInfo, expandAction, type IdentifyingKey, isView, type ResourceTypeInfo } from "../lib/iamActions";
import { conditionKeyMatcher, conditionTests, pinsExactly } from "../lib/iamConditions";
import type { Statement } from "../lib/iamDocument";
import { stackPolicy } from "../lib/spec";
import { StackScope } from "../lib/stackScope";
import { Unknowns } from "../lib/unknowns";
import { sample, stackStatements } from "./documents";

/** `*` as an action: every action of every service, resource types unknown. */
const EVERY_ACTION: ActionInfo = { action: "*", accessLevel: "Permissions management", resourceTypes: [{ ...formatlessType("*", "any"), required: true, identifyingKeys: [] }], narrowingKeys: [] };

const intersections = new Map<string, boolean>();
function reaches(pattern: string, type: ResourceTypeInfo): boolean {
    const key = `${pattern}\n${type.pattern}`;
    let result = intersections.get(key);
    if (result === undefined) {
        result = patternsIntersect(pattern, type.pattern);
        intersections.set(key, result);
    }
    return result;
}

interface Finding {
    /** What is wrong; `{types}` stands for the resource types it concerns. */
    reason: string;
    types?: string[];
}

class Judge {
    constructor(
        private readonly scope: StackScope,
        private readonly unknowns: Unknowns,
    ) {}

    /**
     * Whether the statement pins, positively and exactly, one of the keys: a tag to any value,
     * an ARN-valued key only to ARNs this stack may name.
     */
    private narrowedBy(s: Statement, keys: readonly IdentifyingKey[]): boolean {
        if (keys.length === 0) return false;
        return conditionTests(s).some((t) => pinsExactly(t) && keys.some((k) => conditionKeyMatcher(k.key)(t.key) && (!k.arn || t.values.every((v) => this.scope.mayName(v)))));
    }

    /** Why `pattern` is over-broad for `action` in statement `s` (and for which resource types); undefined when it is not. */
    judge(s: Statement, action: ActionInfo, written: string): Finding | undefined {
        // A policy variable (`${aws:username}`) takes its value from the request: a wildcard to the stack.
        const pattern = variablesAsWildcards(written);
        const types = action.resourceTypes.filter((t) => reaches(pattern, t));
        if (types.length === 0) return undefined;
        const arn = parseArn(pattern);
        if (!hasWildcard(pattern)) {
            if (!arn) return undefined;
            const foreign = this.foreign(arn, types);
            if (foreign) return foreign;
            const outside = this.scope.outsideStack(pattern, types);
            return outside === undefined || this.undecided() ? undefined : { reason: outside };
        }
        if (this.scope.isUnderNamed(pattern)) return undefined;
        const fields = arn ? [arn.partition, arn.service, arn.region, arn.account] : [];
        const spansScope = pattern !== "*" && (!arn || fields.some(hasWildcard));
        if (spansScope) return { reason: "its wildcard spans accounts or regions" };
        if (arn) {
            const foreign = this.foreign(arn, types);
            if (foreign) return foreign;
        }
        const unexcused: string[] = [];
        const othersOfStack: string[] = [];
        for (const t of types) {
            if (wildcardsOnlyInIds(pattern, t)) {
                // Names as exactly as a literal ARN: it must name this stack's resource where the stack declares the type.
                const own = typesOfArn(pattern).find((x) => x.pattern === t.pattern) ?? t;
                if (this.scope.declares(own) && !this.scope.namedOfType(own).some((n) => patternRegExp(pattern).test(n))) othersOfStack.push(t.name);
                continue;
            }
            // Describe and List calls show what exists in this account and region, not contents.
            if (isView(action)) continue;
            if (this.narrowedBy(s, t.identifyingKeys) || this.narrowedBy(s, action.narrowingKeys)) continue;
            unexcused.push(t.name);
        }
        if (othersOfStack.length === 0 && unexcused.length === 0) return undefined;
        if (this.undecided()) return undefined;
        if (othersOfStack.length > 0) return { reason: "it names {types} that are not this stack's (the stack declares its own)", types: othersOfStack };
        return pattern === "*"
            ? { reason: "it reaches every resource of type(s) {types}, and no condition narrows it", types: unexcused }
            : { reason: "its wildcard spans names of {types} resources outside what this stack declares, and no condition narrows it", types: unexcused };
    }

    /**
     * Whether some of the stack's ARNs are still unknown (during preview, resources to be created
     * have none): a pattern the stack might name once they are known is then left to the
     * analyzer's advisory.
     */
    private undecided(): boolean {
        if (!this.scope.incomplete.error) return false;
        this.unknowns.needed(this.scope.incomplete.error);
        return true;
    }

    /** Another account or region where the matched types have one. */
    private foreign(arn: NonNullable<ReturnType<typeof parseArn>>, types: ResourceTypeInfo[]): Finding | undefined {
        const undecided = () => {
            if (this.scope.incomplete.error) this.unknowns.needed(this.scope.incomplete.error);
        };
        if (types.some((t) => t.accountScoped) && arn.account !== "") {
            const owned = this.scope.ownsAccount(arn.account);
            if (owned === false) return { reason: `account ${arn.account} is not this stack's (${[...this.scope.accounts].join(", ")})` };
            if (owned === undefined) undecided();
        }
        if (types.some((t) => t.regional) && arn.region !== "") {
            const owned = this.scope.ownsRegion(arn.region);
            if (owned === false) return { reason: `region ${arn.region} is not this stack's (${[...this.scope.regions].join(", ")})` };
            if (owned === undefined) undecided();
        }
        return undefined;
    }
}

async function grantedActions(s: Statement): Promise<{ actions: ActionInfo[]; unknownPatterns: string[] }> {
    const actions: ActionInfo[] = [];
    const unknownPatterns: string[] = [];
    for (const pattern of s.actions) {
        if (pattern === "*") {
            actions.push(EVERY_ACTION);
            continue;
        }
        const expansion = await expandAction(pattern);
        if (!expansion.known) unknownPatterns.push(pattern);
        actions.push(...expansion.actions);
    }
    return { actions, unknownPatterns };
}

async function problemsOf(s: Statement, judge: Judge): Promise<string[]> {
    if (s.effect !== "allow" || s.resources.length === 0) return [];
    const { actions, unknownPatterns } = await grantedActions(s);
    await loadServicesOf([...s.resources.map(variablesAsWildcards), ...conditionTests(s).flatMap((t) => t.values)]);
    const problems: string[] = [];
    for (const pattern of s.resources) {
        const byReason = new Map<string, { actions: string[]; types: Set<string> }>();
        for (const action of actions) {
            const finding = judge.judge(s, action, pattern);
            if (!finding) continue;
            const entry = byReason.get(finding.reason) ?? { actions: [], types: new Set<string>() };
            entry.actions.push(action.action);
            for (const t of finding.types ?? []) entry.types.add(t);
            byReason.set(finding.reason, entry);
        }
        for (const [reason, { actions: names, types }] of byReason) {
            problems.push(`allows ${sample(names)} on "${pattern}": ${reason.replace("{types}", sample([...types], 4))}.`);
        }
        if (unknownPatterns.length > 0 && (pattern === "*" || hasWildcard(pattern))) {
            problems.push(`allows ${unknownPatterns.map((p) => `"${p}"`).join(", ")} (not in the IAM data) on "${pattern}": what it reaches cannot be shown.`);
        }
    }
    return problems;
}

export const noWildcardResources = stackPolicy(
    {
        name: "iam-no-wildcard-resources",
        description:
            "Allow statements (identity and bucket policies) must reach only resources this stack names: no wildcard spanning resource names outside a resource the stack declares, no other account, no other region.",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Name this stack's exact ARNs (from the resources' `arn` outputs), or a path under one (`<bucket arn>/revisions/*`). For resources an action creates (instances from a launch template), pin a condition key AWS evaluates for them (`ec2:LaunchTemplate`); keep `Resource: \"*\"` for actions AWS authorizes only on `*`, or all-optional actions narrowed by a condition (PutMetricData with `cloudwatch:namespace`).",
    },
    async ({ resources }, _config, report) => {
        const scope = new StackScope(resources);
        await scope.prepare();
        const unknowns = new Unknowns();
        const judge = new Judge(scope, unknowns);
        // A trust policy's or a queue's, key's… resource policy's `Resource` is the role or resource itself.
        for (const { resource, statement, at } of stackStatements(resources, ["identity", "bucket"], unknowns, report)) {
            for (const problem of await problemsOf(statement, judge)) report(`${at}: ${problem}`, resource.urn);
        }
        unknowns.rethrow();
    },
);
