/**
 * A bucket policy is a grant: an Allow in it lets its principals act on the bucket without any
 * identity policy of this account. The artifact bucket holds what every instance installs, so
 * only principals of this stack's account may be granted anything there. Outside the account
 * (principals.ts): everyone unless a condition narrows the caller or the source to this account
 * (`aws:PrincipalAccount`, `aws:PrincipalArn`, `aws:SourceAccount`, `aws:SourceArn`); AWS
 * principals of another account (ARN or bare account id); service principals unless
 * `aws:SourceAccount` or `aws:SourceArn` ties the request to this account (the confused-deputy
 * guard, IAM User Guide "The confused deputy problem"); federated and canonical-user principals.
 */
import type { PolicyResource } from "@pulumi/policy";
import { describeOutsider, outsiders } from "../lib/principals";
import { label } from "../lib/stack";
import { stackPolicy } from "../lib/spec";
import { StackScope } from "../lib/stackScope";
import { Unknowns } from "../lib/unknowns";
import { describeStatement } from "../lib/iamDocument";
import { documentsOf, sample, statementsOf } from "../iam/documents";

export const bucketPolicyGrants = stackPolicy(
    {
        name: "storage-bucket-policy-grants",
        description: "Bucket policies must not allow anything to a principal outside this stack's account, or to everyone (`*`).",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Grant access through identity policies of this account's roles (or name this account's principals in the bucket policy). Cross-account or public access to the artifact bucket lets others replace what every instance installs.",
    },
    ({ resources }, _config, report) => {
        const scope = new StackScope(resources);
        const unknowns = new Unknowns();
        for (const r of resources as PolicyResource[]) {
            const docs = unknowns.attempt(() => documentsOf(r.type, r.props).filter((d) => d.kind === "bucket")) ?? [];
            for (const located of docs) {
                const statements = unknowns.attempt(() => statementsOf(located, (m) => report(`${label(r)} ${m}`, r.urn))) ?? [];
                for (const s of statements) {
                    const outside = outsiders(s, scope, { services: "need-source", federated: "outside" });
                    if (outside.length > 0) report(`${label(r)} ${located.where} ${describeStatement(s)}: allows ${sample(s.actions)} to ${outside.map(describeOutsider).join(", ")}, outside this stack's account.`, r.urn);
                }
            }
        }
        unknowns.rethrow();
    },
);
