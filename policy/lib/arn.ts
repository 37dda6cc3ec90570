/**
 * ARNs and the patterns IAM accepts in `Resource` (and ARN-valued condition values). Per the IAM
 * User Guide, "IAM JSON policy elements: Resource" (reference_policies_elements_resource.html):
 * `*` stands for any run of characters — it expands over `/` and, at the end of a segment, over
 * the `:` boundaries — and `?` for any one character. ARNs are
 * `arn:partition:service:region:account-id:resource` (reference-arns.html).
 */

export function hasWildcard(pattern: string): boolean {
    return /[*?]/.test(pattern);
}

export interface Arn {
    partition: string;
    service: string;
    region: string;
    account: string;
    /** Everything after the account: `role/ci`, `log-group:/app:*`. */
    resource: string;
}

/** The six parts of an ARN (or ARN pattern); undefined when it has fewer. */
export function parseArn(value: string): Arn | undefined {
    const parts = value.split(":");
    if (parts.length < 6 || parts[0] !== "arn") return undefined;
    const [, partition, service, region, account] = parts;
    return { partition, service, region, account, resource: parts.slice(5).join(":") };
}

/**
 * A pattern with its policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, with or
 * without a default) read as `*`: their values come from the request, not from the policy (IAM
 * User Guide, "IAM policy elements: Variables and tags", reference_policies_variables.html). The
 * escapes `${*}`, `${?}` and `${$}` are read as `*` too, which can only widen the reading.
 */
export function variablesAsWildcards(pattern: string): string {
    return pattern.replace(/\$\{[^}]*\}/g, "*");
}

/** The part of a pattern before its first wildcard. */
export function literalPrefix(pattern: string): string {
    const i = pattern.search(/[*?]/);
    return i < 0 ? pattern : pattern.slice(0, i);
}

const escape = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, "\\$&");

/** A pattern as a regular expression over whole strings. */
export function patternRegExp(pattern: string, flags = ""): RegExp {
    return new RegExp(`^${escape(pattern).replace(/\*/g, "[\\s\\S]*").replace(/\?/g, "[\\s\\S]")}$`, flags);
}

/** In a pattern: any run of characters within one ARN segment (no `:`), as a template's `${Region}`. */
export const SEGMENT_WILDCARD = "\u0001";

/**
 * Whether two patterns can match one common string (both may hold `*`, `?` and
 * SEGMENT_WILDCARD). A dynamic program over both patterns: a wildcard on either side may absorb
 * any part of the other (a segment wildcard only a part without `:`).
 */
export function patternsIntersect(a: string, b: string): boolean {
    const memo = new Map<number, boolean>();
    const width = b.length + 1;
    const go = (i: number, j: number): boolean => {
        const key = i * width + j;
        const known = memo.get(key);
        if (known !== undefined) return known;
        let result: boolean;
        const absorbs = (wildcard: string, c: string) => wildcard === "*" || c !== ":";
        if (i === a.length && j === b.length) result = true;
        else if (i < a.length && (a[i] === "*" || a[i] === SEGMENT_WILDCARD)) result = go(i + 1, j) || (j < b.length && absorbs(a[i], b[j]) && go(i, j + 1));
        else if (j < b.length && (b[j] === "*" || b[j] === SEGMENT_WILDCARD)) result = go(i, j + 1) || (i < a.length && absorbs(b[j], a[i]) && go(i + 1, j));
        else if (i === a.length || j === b.length) result = false;
        else result = (a[i] === "?" || b[j] === "?" || a[i] === b[j]) && go(i + 1, j + 1);
        memo.set(key, result);
        return result;
    };
    return go(0, 0);
}

/** Whether `pattern` matches `prefix` followed by anything at all (e.g. every object of a bucket). */
export function coversEverythingUnder(pattern: string, prefix: string): boolean {
    if (!pattern.endsWith("*")) return false;
    const head = patternRegExp(pattern.slice(0, -1));
    for (let k = 0; k <= prefix.length; k++) if (head.test(prefix.slice(0, k))) return true;
    return false;
}

/**
 * An ARN template of the IAM data (`arn:${Partition}:s3:::${BucketName}`) as a pattern: the
 * variables of partition, region and account stay within their segment; those of the resource
 * part may hold anything (object keys hold `/` and `:`).
 */
export function templatePattern(template: string): string {
    const parts = template.split(":");
    const head = parts.slice(0, 5).map((p) => p.replace(/\$\{[^}]*\}/g, SEGMENT_WILDCARD));
    const resource = parts.slice(5).join(":").replace(/\$\{[^}]*\}/g, "*");
    return [...head, resource].join(":");
}

/** An AWS managed policy (`arn:aws:iam::aws:policy/…`, any partition): its document is AWS's, not the stack's. */
export const AWS_MANAGED_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/i;
