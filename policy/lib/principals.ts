/**
 * Principals of a statement, and whether they lie inside this stack's account. Per "AWS JSON
 * policy elements: Principal" (IAM User Guide, reference_policies_elements_principal.html): an
 * AWS principal is an account id, an account root, user, role or session ARN, or `*`
 * (`"Principal": "*"` and `{"AWS": "*"}` both mean everyone); service, federated and canonical-user
 * principals are not principals of the account.
 *
 * A condition can narrow everyone (or a service) to one account: `aws:PrincipalAccount` and
 * `aws:PrincipalArn` name the calling principal's account, `aws:SourceAccount` and `aws:SourceArn`
 * the account of the resource a service acts for (IAM User Guide, "AWS global condition context
 * keys", reference_policies_condition-keys.html, and "The confused deputy problem"). Such a key
 * narrows only under a positive test that is neither `…IfExists` nor `ForAllValues:` (both are
 * true when the key is absent), and only to accounts written literally.
 */
import { hasWildcard, parseArn } from "./arn";
import { conditionTests, restrictsTo } from "./iamConditions";
import type { Statement } from "./iamDocument";
import type { StackScope } from "./stackScope";

/** The account of an AWS principal (`123456789012`, `arn:aws:iam::123456789012:role/x`); undefined for `*` or wildcards. */
export function principalAccount(principal: string): string | undefined {
    if (/^\d{12}$/.test(principal)) return principal;
    const arn = parseArn(principal);
    return arn && /^\d{12}$/.test(arn.account) ? arn.account : undefined;
}

/** Whether a statement names everyone: `*`, `{"AWS": "*"}` or a wildcard AWS principal (`arn:aws:iam::*:root`). */
function namesEveryone(s: Statement): boolean {
    const p = s.principals;
    return p !== undefined && ("*" in p || (p.aws ?? []).some((v) => v.includes("*") || v.includes("?")));
}

/** `AWS: arn…`, `Service: ec2.amazonaws.com`: each principal with its kind, for messages and checks. */
export function principalsOf(s: Statement): { kind: string; value: string }[] {
    return Object.entries(s.principals ?? {}).flatMap(([kind, values]) => values.map((value) => ({ kind, value })));
}

const ACCOUNT_KEYS = { principal: ["aws:principalaccount", "aws:principalarn"], source: ["aws:sourceaccount", "aws:sourcearn"] };

/**
 * Whether the statement's condition confines the principal (`principal`) or the resource a
 * service acts for (`source`) to this stack's accounts: a positive test of an account key whose
 * every value is, or is an ARN in, an account of this stack (a wildcard after the account is fine:
 * `arn:aws:cloudfront::<this account>:distribution/*`).
 */
function narrowedToOwnAccount(s: Statement, scope: StackScope, which: keyof typeof ACCOUNT_KEYS): boolean {
    return conditionTests(s).some((t) => {
        if (!ACCOUNT_KEYS[which].includes(t.key) || !restrictsTo(t)) return false;
        return t.values.every((v) => {
            const account = t.key.endsWith("arn") ? parseArn(v)?.account : v;
            return account !== undefined && !hasWildcard(account) && scope.ownsAccount(account) === true;
        });
    });
}

export interface Outsider {
    kind: string;
    value: string;
}

/**
 * The principals of an Allow statement outside this stack's account: everyone unless a condition
 * narrows the caller (or the source) to this account; AWS principals of another account or of
 * no account one can read (a unique id); service principals too when `services` is
 * "need-source" and no condition ties the request to a resource of this account; canonical users;
 * federated principals when `federated` is "outside" (trust policies judge them on their own).
 */
export function outsiders(s: Statement, scope: StackScope, opts: { services: "inside" | "need-source"; federated: "inside" | "outside" }): Outsider[] {
    if (s.effect !== "allow") return [];
    if (namesEveryone(s)) {
        const narrowed = narrowedToOwnAccount(s, scope, "principal") || narrowedToOwnAccount(s, scope, "source");
        return narrowed ? [] : [{ kind: "everyone", value: "*" }];
    }
    return principalsOf(s).filter(({ kind, value }) => {
        if (kind === "aws") {
            const account = principalAccount(value);
            return account === undefined || scope.ownsAccount(account) === false;
        }
        if (kind === "service") return opts.services === "need-source" && !narrowedToOwnAccount(s, scope, "source");
        if (kind === "federated") return opts.federated === "outside";
        return true;
    });
}

/** `AWS 999999999999`, `everyone ("*")`: how messages name an outsider. */
export function describeOutsider(o: Outsider): string {
    return o.kind === "everyone" ? 'everyone ("*")' : `${o.kind === "aws" ? "AWS" : o.kind} ${o.value}`;
}
