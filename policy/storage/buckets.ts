/**
 * The artifact bucket holds what CodeDeploy installs on every instance, so it must be private,
 * encrypted, versioned (a bad upload can be rolled back) and reachable over TLS only. Since
 * pulumi-aws v6 those settings are separate resources pointing at the bucket, so this is a stack
 * policy; the inline inputs of the older `Bucket` are accepted too.
 */
import type { PolicyResource } from "@pulumi/policy";
import { coversEverythingUnder, patternRegExp } from "../lib/arn";
import { conditionTests } from "../lib/iamConditions";
import { type Statement, statementsOrNone } from "../lib/iamDocument";
import { principalsOf } from "../lib/principals";
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

/**
 * A Deny of every S3 action, for every principal, when the request is not sent over TLS
 * (`Bool`/`BoolIfExists` `aws:SecureTransport` = "false", AWS's own recipe: Amazon S3 User Guide,
 * "Security best practices for Amazon S3", enforce encryption of data in transit). Any other
 * condition in that statement would exempt some requests, a `Principal` other than `*` (or
 * `{"AWS": "*"}`) or a `NotPrincipal` some principals.
 */
function isTlsDeny(s: Statement): boolean {
    if (s.effect !== "deny" || s.notPrincipals !== undefined) return false;
    const everyone = principalsOf(s).length > 0 && principalsOf(s).every((p) => p.value === "*" && (p.kind === "aws" || p.kind === "*"));
    if (!everyone || !s.actions.some((a) => a === "*" || sameText(a, "s3:*"))) return false;
    const tests = conditionTests(s);
    return tests.length > 0 && tests.every((t) => t.key === "aws:securetransport" && t.base === "bool" && !t.set && t.values.every((v) => sameText(v, "false")));
}

/** Whether a policy's TLS denies, together (one statement or several), cover the bucket and every object in it. */
function deniesInsecureTransport(statements: Statement[], bucketArn: string): boolean {
    const resources = statements.filter(isTlsDeny).flatMap((s) => s.resources);
    return resources.some((r) => patternRegExp(r).test(bucketArn)) && resources.some((r) => coversEverythingUnder(r, `${bucketArn}/`));
}

/** The bucket's ARN from its outputs (`arn`, else its name). */
function bucketArn(bucket: PolicyResource): string | undefined {
    const { arn, bucket: name } = bucket.props;
    if (typeof arn === "string") return arn;
    return typeof name === "string" ? `arn:aws:s3:::${name}` : undefined;
}

export const bucketProtection = stackPolicy(
    {
        name: "storage-bucket-protection",
        description:
            "S3 buckets must have a full public access block, versioning, default encryption and a policy that denies non-TLS requests for every principal on the bucket and its objects.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Declare, for the bucket: BucketPublicAccessBlock with all four settings true; BucketVersioning with status \"Enabled\"; BucketServerSideEncryptionConfiguration with a default rule (aws:kms or AES256); a BucketPolicy with a Deny of s3:* for Principal \"*\" on the bucket ARN and `<bucket ARN>/*` when aws:SecureTransport is \"false\" (and no other condition).",
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
            const holders = [...(bucket.props.policy ? [bucket] : []), ...(policies.get(bucket.urn) ?? [])];
            const policyDocs = holders.map((r) => r.props.policy);
            const arn = bucketArn(bucket);
            if (arn === undefined || !policyDocs.some((doc) => deniesInsecureTransport(statementsOrNone(doc), arn))) {
                missing.push("a policy denying every S3 action to every principal on the bucket and its objects without TLS (aws:SecureTransport)");
            }
            if (missing.length > 0) report(`${label(bucket)} lacks ${missing.join(", ")}.`, bucket.urn);
            // S3 keeps one of each configuration per bucket: PutBucketPolicy, PutPublicAccessBlock,
            // PutBucketVersioning and PutBucketEncryption replace what is there (Amazon S3 API
            // Reference), so of two declared for one bucket only the last applied holds.
            for (const [what, declared] of [["bucket policies", holders], ["public access blocks", blocks.get(bucket.urn)], ["versioning configurations", versionings.get(bucket.urn)], ["encryption configurations", encryptions.get(bucket.urn)]] as const) {
                if ((declared?.length ?? 0) > 1) {
                    report(`${label(bucket)} has ${declared!.length} ${what} (${declared!.map(label).join(", ")}); S3 keeps one per bucket, so each update replaces the other. Declare one.`, bucket.urn);
                }
            }
        }
    },
);
