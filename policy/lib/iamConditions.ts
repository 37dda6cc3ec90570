/**
 * Condition blocks read with their operators, as IAM evaluates them (IAM User Guide:
 * "IAM JSON policy elements: Condition operators", reference_policies_elements_condition_operators.html;
 * "Set operators for multivalued context keys", reference_policies_condition-single-vs-multi-valued-context-keys.html):
 *   - negated operators (`StringNotEquals`, `ArnNotLike`, …) allow every value but the listed ones;
 *   - `…IfExists` is true when the key is absent from the request;
 *   - `ForAllValues:` is true when the key is absent or empty;
 *   - `ForAnyValue:` is false when the key is absent;
 *   - `StringLike`/`ArnLike` values match with `*` and `?`;
 *   - `StringEqualsIgnoreCase` also matches the values in any other letter case.
 * So a statement pins a key to exact values only through a positive, case-sensitive equality test
 * without wildcards, not `…IfExists` and not `ForAllValues:`.
 */
import { hasWildcard } from "./arn";
import type { Statement } from "./iamDocument";

export interface ConditionTest {
    /** The operator as written, for messages. */
    operator: string;
    /** Lower case, without set prefix and IfExists: `stringequals`, `arnlike`, `bool`. */
    base: string;
    set?: "forallvalues" | "foranyvalue";
    ifExists: boolean;
    negated: boolean;
    /** Lower case: condition keys are case-insensitive. */
    key: string;
    values: string[];
}

/** Every key test of a statement's Condition block. */
export function conditionTests(s: Statement): ConditionTest[] {
    const tests: ConditionTest[] = [];
    for (const [operator, keys] of Object.entries(s.conditions)) {
        const lower = operator.toLowerCase();
        const setMatch = /^(forallvalues|foranyvalue):/.exec(lower);
        let base = setMatch ? lower.slice(setMatch[0].length) : lower;
        const ifExists = base.endsWith("ifexists");
        if (ifExists) base = base.slice(0, -"ifexists".length);
        const negated = /^(stringnot|arnnot|numericnot|datenot|notipaddress)/.test(base);
        for (const [key, values] of Object.entries(keys)) {
            tests.push({ operator, base, set: setMatch?.[1] as ConditionTest["set"], ifExists, negated, key: key.toLowerCase(), values });
        }
    }
    return tests;
}

/** `StringEqualsIgnoreCase` is not here: it also admits every other letter case (branch `Main` is not `main`). */
const EQUALITY = ["stringequals", "stringlike", "arnequals", "arnlike"];

/**
 * Whether a test restricts its key to its values (matched with their wildcards, if any): a
 * positive equality or like test that is false when the key is absent.
 */
export function restrictsTo(t: ConditionTest): boolean {
    return EQUALITY.includes(t.base) && !t.negated && !t.ifExists && t.set !== "forallvalues" && t.values.length > 0;
}

/** Whether a test restricts its key to exactly its values. */
export function pinsExactly(t: ConditionTest): boolean {
    return restrictsTo(t) && !t.values.some(hasWildcard);
}

/**
 * The exact values a statement requires for a key (all its tests on that key must hold, so one
 * pinning test is enough); undefined when no test pins it.
 */
export function pinnedValues(s: Statement, key: (k: string) => boolean): string[] | undefined {
    return conditionTests(s).find((t) => key(t.key) && pinsExactly(t))?.values;
}

/** A condition key of the IAM data (`aws:ResourceTag/${TagKey}`, `s3:ExistingObjectTag/<key>`) as a matcher. */
export function conditionKeyMatcher(dataKey: string): (key: string) => boolean {
    const source = dataKey
        .toLowerCase()
        .split(/\$\{[^}]*\}|<[^>]*>|tag-key$/)
        .map((literal) => literal.replace(/[.+^${}()|[\]\\*?]/g, "\\$&"))
        .join(".+");
    const re = new RegExp(`^${source}$`);
    return (key) => re.test(key);
}
