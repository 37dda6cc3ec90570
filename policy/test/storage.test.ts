import { expect } from "chai";
import { doc, findings, res, type TestResource, UNKNOWN } from "./harness";

describe("storage-bucket-protection", () => {
    const p = "storage-bucket-protection";
    const tlsOnly = doc({ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } });

    function protectedBucket(bucketType = "aws:s3/bucket:Bucket", suffix = ""): TestResource[] {
        const bucket = res(bucketType, "artifacts", { bucketPrefix: "bg-", bucket: "bg-artifacts" });
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
            "aws:s3/bucket:Bucket (artifacts) lacks a public access block with all four settings true, versioning, default encryption, a policy denying every S3 action to every principal on the bucket and its objects without TLS (aws:SecureTransport).",
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

    it("requires the TLS deny to cover the bucket and its objects, for every principal, with no other condition", async () => {
        const variants: [string, Record<string, unknown>, boolean][] = [
            ["bucket and objects named", { Resource: ["arn:aws:s3:::bg-artifacts", "arn:aws:s3:::bg-artifacts/*"] }, true],
            ["BoolIfExists", { Condition: { BoolIfExists: { "aws:SecureTransport": "false" } } }, true],
            ["{AWS: *}", { Principal: { AWS: "*" } }, true],
            ["objects only", { Resource: "arn:aws:s3:::bg-artifacts/*" }, false],
            ["bucket only", { Resource: "arn:aws:s3:::bg-artifacts" }, false],
            ["another bucket", { Resource: ["arn:aws:s3:::other", "arn:aws:s3:::other/*"] }, false],
            ["one principal", { Principal: { AWS: "arn:aws:iam::123456789012:role/ci" } }, false],
            ["NotPrincipal", { Principal: undefined, NotPrincipal: { AWS: "arn:aws:iam::123456789012:role/ci" } }, false],
            ["an exempting condition", { Condition: { Bool: { "aws:SecureTransport": "false" }, StringNotEquals: { "aws:PrincipalAccount": "123456789012" } } }, false],
            ["TLS instead of non-TLS", { Condition: { Bool: { "aws:SecureTransport": "true" } } }, false],
            ["only some actions", { Action: ["s3:GetObject", "s3:PutObject"] }, false],
        ];
        for (const [what, change, ok] of variants) {
            const statement = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": "false" } }, ...change };
            const resources = protectedBucket().map((r) => (r.name === "pol" ? { ...r, inputs: { ...r.inputs, policy: doc(statement) } } : r));
            expect(await findings(p, resources), what).to.have.length(ok ? 0 : 1);
        }
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
