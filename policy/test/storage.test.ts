import { expect } from "chai";
import { doc, findings, res, type TestResource, UNKNOWN } from "./harness";

describe("storage-bucket-protection", () => {
    const p = "storage-bucket-protection";
    const tlsOnly = doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });

    function protectedBucket(bucketType = "aws:s3/bucket:Bucket", suffix = ""): TestResource[] {
        const bucket = res(bucketType, "artifacts", { bucketPrefix: "bg-" });
        const on = { bucket: [bucket] };
        return [
            bucket,
            res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: UNKNOWN, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, on),
            res(`aws:s3/bucketVersioning${suffix}:BucketVersioning${suffix}`, "ver", { bucket: UNKNOWN, versioningConfiguration: { status: "Enabled" } }, on),
            res(`aws:s3/bucketServerSideEncryptionConfiguration${suffix}:BucketServerSideEncryptionConfiguration${suffix}`, "enc", { bucket: UNKNOWN, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }, on),
            res("aws:s3/bucketPolicy:BucketPolicy", "pol", { bucket: UNKNOWN, policy: tlsOnly }, on),
        ];
    }

    it("accepts a bucket with all four protections (v7 tokens and the older V2 tokens), even with unknown bucket ids", async () => {
        expect(await findings(p, protectedBucket())).to.deep.equal([]);
        expect(await findings(p, protectedBucket("aws:s3/bucketV2:BucketV2", "V2"))).to.deep.equal([]);
    });

    it("names every missing protection", async () => {
        const [bucket] = protectedBucket();
        expect(await findings(p, bucket)).to.deep.equal([
            "aws:s3/bucket:Bucket (artifacts) lacks a public access block with all four settings true, versioning, default encryption, a policy denying requests without TLS (aws:SecureTransport).",
        ]);
    });

    it("rejects a partial public access block, suspended versioning and a policy without the TLS deny", async () => {
        const resources = protectedBucket().map((r) => {
            if (r.name === "pab") return { ...r, inputs: { ...r.inputs, restrictPublicBuckets: false } };
            if (r.name === "ver") return { ...r, inputs: { ...r.inputs, versioningConfiguration: { status: "Suspended" } } };
            if (r.name === "pol") return { ...r, inputs: { ...r.inputs, policy: doc({ Effect: "Deny", Principal: "*", Action: "s3:DeleteObject", Resource: "*" }) } };
            return r;
        });
        const f = await findings(p, resources);
        expect(f[0]).to.include("public access block").and.include("versioning").and.include("TLS").and.not.include("encryption");
    });

    it("accepts the inline settings of the older Bucket, related by literal bucket name", async () => {
        const bucket = res("aws:s3/bucket:Bucket", "legacy", {
            bucket: "legacy-artifacts",
            versioning: { enabled: true },
            serverSideEncryptionConfiguration: { rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } } },
            policy: tlsOnly,
        });
        const pab = res("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: "legacy-artifacts", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
        expect(await findings(p, [bucket, pab])).to.deep.equal([]);
    });
});
