/**
 * The artifact bucket holds what CodeDeploy installs on every instance, so it must be private,
 * encrypted, versioned (a bad upload can be rolled back) and reachable over TLS only. Since
 * pulumi-aws v6 those settings are separate resources pointing at the bucket, so this is a stack
 * policy; the inline inputs of the older `Bucket` are accepted too.
 */
import type { PolicyResource } from "@pulumi/policy";
import { conditionValues, DocumentError, parseDocument } from "../lib/iamDocument";
import { label, ofTypes, referencedBy } from "../lib/stack";
import { asList, sameText, stackPolicy } from "../lib/spec";
import { TYPES } from "../lib/types";

const BLOCK_SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/** For each bucket, the resources of `types` that configure it (via their `bucket` input). */
function configuring(resources: readonly PolicyResource[], buckets: PolicyResource[], types: readonly string[]): Map<string, PolicyResource[]> {
    const byBucket = new Map<string, PolicyResource[]>();
    for (const r of ofTypes(resources, types)) {
        for (const b of referencedBy(r, "bucket", buckets, ["bucket", "id"])) byBucket.set(b.urn, [...(byBucket.get(b.urn) ?? []), r]);
    }
    return byBucket;
}

/** A Deny of every S3 action when `aws:SecureTransport` is false. */
function deniesInsecureTransport(policy: unknown): boolean {
    try {
        return parseDocument(policy).some(
            (s) =>
                s.effect === "deny" &&
                s.actions.some((a) => a === "*" || sameText(a, "s3:*")) &&
                conditionValues(s, (k) => k === "aws:securetransport").some((v) => sameText(v, "false")),
        );
    } catch (e) {
        if (e instanceof DocumentError) return false;
        throw e;
    }
}

export const bucketProtection = stackPolicy(
    {
        name: "storage-bucket-protection",
        description: "S3 buckets must have a full public access block, versioning, default encryption and a policy that denies non-TLS requests.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Declare, for the bucket: BucketPublicAccessBlock with all four settings true; BucketVersioning with status \"Enabled\"; BucketServerSideEncryptionConfiguration with a default rule (aws:kms or AES256); a BucketPolicy with a Deny of s3:* when aws:SecureTransport is \"false\".",
    },
    ({ resources }, _config, report) => {
        const buckets = ofTypes(resources, TYPES.bucket);
        const blocks = configuring(resources, buckets, TYPES.bucketPublicAccessBlock);
        const versionings = configuring(resources, buckets, TYPES.bucketVersioning);
        const encryptions = configuring(resources, buckets, TYPES.bucketEncryption);
        const policies = configuring(resources, buckets, TYPES.bucketPolicy);
        for (const bucket of buckets) {
            const related = (m: Map<string, PolicyResource[]>) => (m.get(bucket.urn) ?? []).map((r) => r.props);
            const missing: string[] = [];
            if (!related(blocks).some((p) => BLOCK_SETTINGS.every((k) => p[k] === true))) missing.push("a public access block with all four settings true");
            const versioned =
                bucket.props.versioning?.enabled === true || related(versionings).some((p) => sameText(p.versioningConfiguration?.status, "Enabled"));
            if (!versioned) missing.push("versioning");
            const encrypted =
                bucket.props.serverSideEncryptionConfiguration !== undefined ||
                related(encryptions).some((p) => asList<Record<string, any>>(p.rules).some((r) => r.applyServerSideEncryptionByDefault?.sseAlgorithm));
            if (!encrypted) missing.push("default encryption");
            const policyDocs = [...("policy" in bucket.props ? [bucket.props.policy] : []), ...related(policies).map((p) => p.policy)];
            if (!policyDocs.some(deniesInsecureTransport)) missing.push("a policy denying requests without TLS (aws:SecureTransport)");
            if (missing.length > 0) report(`${label(bucket)} lacks ${missing.join(", ")}.`, bucket.urn);
        }
    },
);
