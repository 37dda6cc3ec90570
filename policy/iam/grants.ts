/**
 * Resource-based policies are grants: an Allow in one lets its principals act on the resource
 * without any identity policy of this account (IAM User Guide, "Identity-based policies and
 * resource-based policies"). So only principals of this stack's account may be granted anything
 * there. Outside the account (lib/principals.ts): everyone unless a condition narrows the caller
 * or the source to this account (`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`,
 * `aws:SourceArn`); AWS principals of another account (ARN or bare id) or of no account one can
 * read; service principals unless `aws:SourceAccount` or `aws:SourceArn` ties the request to this
 * account (IAM User Guide, "The confused deputy problem"); federated and canonical-user principals.
 */
import { describeOutsider, outsiders } from "../lib/principals";
import { type PolicyMeta, stackPolicy } from "../lib/spec";
import { StackScope } from "../lib/stackScope";
import { Unknowns } from "../lib/unknowns";
import { type DocumentKind, sample, stackStatements } from "./documents";

/** A stack policy rejecting every Allow, in documents of `kind`, to a principal outside this stack's account. */
export function grantsPolicy(meta: PolicyMeta, kind: DocumentKind) {
    return stackPolicy(meta, ({ resources }, _config, report) => {
        const scope = new StackScope(resources);
        const unknowns = new Unknowns();
        for (const { resource, statement: s, at } of stackStatements(resources, [kind], unknowns, report)) {
            const outside = outsiders(s, scope, { services: "need-source", federated: "outside" });
            if (outside.length > 0) report(`${at}: allows ${sample(s.actions)} to ${outside.map(describeOutsider).join(", ")}, outside this stack's account.`, resource.urn);
        }
        unknowns.rethrow();
    });
}

export const resourcePolicyGrants = grantsPolicy(
    {
        name: "iam-resource-policy-grants",
        description:
            "Resource policies of SQS queues, SNS topics, KMS keys, Secrets Manager secrets and ECR repositories must not allow anything to a principal outside this stack's account, or to everyone (`*`).",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Name this account's principals (its root to delegate to identity policies, or its roles), and tie service principals to this account with `aws:SourceAccount` or `aws:SourceArn`.",
    },
    "resource",
);
