/**
 * The private bucket that holds CodeDeploy revisions: versioned, encrypted, TLS-only. Revisions
 * live under one prefix so IAM can name it.
 *
 * A revision is immutable and never expires while it is current (DESIGN.md decision 13): every
 * instance an Auto Scaling group launches installs the group's last successful revision from here
 * (codedeploy/latest/userguide/integrations-aws-auto-scaling.html), however long ago it was
 * released, so expiring current objects by age would fail the first scale-out after a quiet spell.
 * Only versions that stopped being current (a key uploaded again, or deleted) expire.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config";
import { stackPrefix, stackTags } from "./naming";

export const REVISION_PREFIX = "revisions/";

export class ArtifactStore extends pulumi.ComponentResource {
    readonly bucket: aws.s3.Bucket;
    /** `arn:aws:s3:::bucket/revisions/*`: the only objects the instances and CI touch. */
    readonly revisionObjectsArn: pulumi.Output<string>;

    constructor(name: string, cfg: StackConfig, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:storage:ArtifactStore", name, {}, opts);
        const parent = { parent: this };

        // Auto-named from the stack (bucket names are global); no account id is written anywhere.
        this.bucket = new aws.s3.Bucket(`${name}-revisions`, { bucketPrefix: `${stackPrefix(cfg)}-revisions-`, forceDestroy: false, tags: stackTags(cfg) }, parent);
        this.revisionObjectsArn = pulumi.interpolate`${this.bucket.arn}/${REVISION_PREFIX}*`;

        new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
            parent,
        );
        new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, parent);
        new aws.s3.BucketVersioning(`${name}-versioning`, { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } }, parent);
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            // SSE-S3 keeps the instance and CI roles free of KMS grants; switch to aws:kms with a
            // customer key if your compliance needs key-level audit.
            { bucket: this.bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
            parent,
        );
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: this.bucket.id,
                rules: [
                    {
                        id: "expire-replaced-revisions",
                        status: "Enabled",
                        filter: { prefix: REVISION_PREFIX },
                        // Days counted from when a version stopped being current
                        // (AmazonS3/latest/userguide/lifecycle-configuration-examples.html, noncurrent versions).
                        noncurrentVersionExpiration: { noncurrentDays: cfg.revisionRetentionDays },
                        // Removes a delete marker once no version is left behind it.
                        expiration: { expiredObjectDeleteMarker: true },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            parent,
        );
        new aws.s3.BucketPolicy(
            `${name}-tls-only`,
            {
                bucket: this.bucket.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            parent,
        );
        this.registerOutputs({ bucket: this.bucket.bucket });
    }
}
