/**
 * Principals of a statement, and whether they lie inside this stack's account. Per "AWS JSON
 * policy elements: Principal" (IAM User Guide, reference_policies_elements_principal.html): an
 * AWS principal is an account id, an account root, user, role or session ARN, or `*`
 * (`"Principal": "*"` and `{"AWS": "*"}` both mean everyone); service, federated and canonical-user
 * principals are not principals of the account.
 */
import { parseArn } from "./arn";
import type { Statement } from "./iamDocument";

/** The account of an AWS principal (`123456789012`, `arn:aws:iam::123456789012:role/x`); undefined for `*` or wildcards. */
export function principalAccount(principal: string): string | undefined {
    if (/^\d{12}$/.test(principal)) return principal;
    const arn = parseArn(principal);
    return arn && /^\d{12}$/.test(arn.account) ? arn.account : undefined;
}

/** Whether a statement names everyone: `*`, `{"AWS": "*"}` or a wildcard AWS principal (`arn:aws:iam::*:root`). */
export function namesEveryone(s: Statement): boolean {
    const p = s.principals;
    return p !== undefined && ("*" in p || (p.aws ?? []).some((v) => v.includes("*") || v.includes("?")));
}

/** `AWS: arn…`, `Service: ec2.amazonaws.com`: each principal with its kind, for messages and checks. */
export function principalsOf(s: Statement): { kind: string; value: string }[] {
    return Object.entries(s.principals ?? {}).flatMap(([kind, values]) => values.map((value) => ({ kind, value })));
}
