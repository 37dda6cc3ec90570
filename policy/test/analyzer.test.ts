/**
 * The adapter between the engine's side (what each call carries) and @pulumi/policy's own
 * analyzer service: probes run through the real server code and show what it hands policies.
 */
import { expect } from "chai";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { evaluate, PolicyCrashError, wire } from "../offline/analyzer";
import { fromState, SecretNeededError } from "../offline/secrets";
import { stackExport } from "./exports";
import { PolicyConfigError, type PolicyPackConfigFile } from "../offline/config";
import { res, UNKNOWN } from "./harness";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- google-protobuf's Struct, as the engine encodes properties
const { Struct } = require("google-protobuf/google/protobuf/struct_pb");

const probeResource = (validate: ResourceValidationPolicy["validateResource"], extra: Partial<ResourceValidationPolicy> = {}): ResourceValidationPolicy => ({
    name: "probe",
    description: "Probe policy.",
    enforcementLevel: "mandatory",
    validateResource: validate,
    ...extra,
});
const bucket = res("aws:s3/bucket:Bucket", "b", { bucket: UNKNOWN, tags: { a: "1" } });

describe("analyzer: @pulumi/policy's service, called as the engine calls it", () => {
    it("puts props behind the unknown-checking proxy: reading an unknown gives an advisory 'can't run' diagnostic", async () => {
        const v = await evaluate([bucket], { policies: [probeResource((args) => void args.props.bucket.length)] });
        expect(v).to.have.length(1);
        expect(v[0]).to.include({ policy: "probe", enforcementLevel: "advisory", urn: bucket.urn });
        expect(v[0].message).to.match(/^can't run policy 'probe' from policy pack 'bluegreen@v\d+\.\d+\.\d+' during preview: string value at \.bucket can't be known/);
    });

    it("does the same for stack policies, and reading known values works", async () => {
        const stack: StackValidationPolicy = {
            name: "probe-stack",
            description: "Probe.",
            enforcementLevel: "mandatory",
            validateStack: (args, report) => {
                expect(args.resources[1].props.tags.a).to.equal("1");
                report(String(args.resources[1].props.bucket));
            },
        };
        const root = res("pulumi:pulumi:Stack", "bluegreen-test", {});
        const v = await evaluate([root, bucket], { policies: [stack] });
        // Like the engine, a stack diagnostic without a resource URN is filed under the root stack.
        expect(v[0]).to.include({ enforcementLevel: "advisory", urn: root.urn });
    });

    it("treats notApplicable() as no diagnostic, and passes stackTags and the config with schema defaults", async () => {
        let seen: unknown;
        const policy = probeResource(
            (args) => {
                seen = { tag: args.stackTags.get("env"), config: args.getConfig() };
                args.notApplicable("not mine");
            },
            { configSchema: { properties: { limit: { type: "integer", default: 3 }, other: { type: "string", default: "x" } } } },
        );
        const v = await evaluate([bucket], { policies: [policy], stackTags: { env: "prod" }, config: { probe: { limit: 5 } } });
        expect(v).to.deep.equal([]);
        expect(seen).to.deep.equal({ tag: "prod", config: { limit: 5, other: "x" } });
    });

    it("reports violations as the CLI words them: description, then the finding, at the configured level", async () => {
        const policy = probeResource((_args, report) => report("found it"));
        const levels = async (config: PolicyPackConfigFile) => (await evaluate([bucket], { policies: [policy], config })).map((v) => v.enforcementLevel);
        const [v] = await evaluate([bucket], { policies: [policy] });
        expect(v).to.include({ policy: "probe", enforcementLevel: "mandatory", urn: bucket.urn, message: "Probe policy.\nfound it" });
        expect(await levels({ probe: "advisory" })).to.deep.equal(["advisory"]);
        expect(await levels({ probe: "remediate" })).to.deep.equal(["mandatory"]);
        expect(await levels({ all: "disabled" })).to.deep.equal([]);
        expect(await levels({ all: "advisory", probe: "mandatory" })).to.deep.equal(["mandatory"]);
    });

    it("applies the stack's own policy config when given a stack and no config", async () => {
        const http = res("aws:lb/listener:Listener", "http", { port: 80, protocol: "HTTP", defaultActions: [{ type: "forward" }] });
        expect(await evaluate([http], { stack: "staging" })).to.deep.equal([]);
        expect((await evaluate([http], { stack: "production" })).map((v) => v.policy)).to.deep.equal(["lb-listener-https"]);
    });

    it("fails the run when a policy throws anything else (the CLI fails the preview)", async () => {
        const broken = probeResource(() => {
            throw new TypeError("bug");
        });
        let error: unknown;
        await evaluate([bucket], { policies: [broken] }).catch((e) => (error = e));
        expect(error).to.be.instanceOf(PolicyCrashError);
    });

    it("rejects config naming an unknown policy or setting, or a value outside the schema", async () => {
        for (const config of [{ "no-such-policy": "mandatory" }, { "lb-deregistration-delay": { minimumSecs: 1 } }, { "lb-deregistration-delay": { minimumSeconds: "300" } }]) {
            let error: unknown;
            await evaluate([], { config: config as never }).catch((e) => (error = e));
            expect(error, JSON.stringify(config)).to.be.instanceOf(PolicyConfigError);
        }
    });

    it("hands analyze the inputs and analyzeStack the outputs, and files resource diagnostics under the resource", async () => {
        const r = { ...res("aws:s3/bucket:Bucket", "io", { bucketPrefix: "in" }), outputs: { bucketPrefix: "in", bucket: "in-123", arn: "arn:aws:s3:::in-123" } };
        const seen: unknown[] = [];
        const resource = probeResource((args, report) => {
            seen.push(["analyze", args.props.bucket]);
            report("r");
        });
        const stack: StackValidationPolicy = { name: "probe-stack", description: "Probe.", enforcementLevel: "mandatory", validateStack: (args) => void seen.push(["analyzeStack", args.resources[0].props.bucket]) };
        const v = await evaluate([r], { policies: [resource, stack] });
        expect(seen).to.deep.equal([["analyze", undefined], ["analyzeStack", "in-123"]]);
        expect(v[0].urn).to.equal(r.urn);
    });

    it("hands the server JSON exactly as protobuf's Struct would carry it (the encoding it skips is an identity)", async () => {
        for (const stack of ["staging", "production"] as const) {
            for (const r of (await stackExport(stack)).deployment.resources) {
                for (const props of [r.inputs, r.outputs]) expect(Struct.fromJavaScript(wire(props)).toJavaScript(), r.urn).to.deep.equal(wire(props));
            }
        }
    });

    it("unwraps secrets the engine's way, and fails closed (SecretNeededError) when a policy reads one an export holds only as ciphertext", async () => {
        const SIG = "4dabf18193072939515e22adb298388d";
        const SECRET = "1b47061264138c4ac30d75fd1eb44270";
        const ciphertext: string[] = [];
        const inputs = fromState({ a: { [SIG]: SECRET, plaintext: '"open"' }, nested: [{ b: { [SIG]: SECRET, ciphertext: "xyz" } }] }, ciphertext) as Record<string, unknown>;
        expect(ciphertext).to.deep.equal(["nested.0.b"]);
        const r = { ...res("aws:s3/bucket:Bucket", "s", inputs), ciphertext };
        const read: unknown[] = [];
        const readsA = probeResource((args) => void read.push(args.props.a));
        expect(await evaluate([r], { policies: [readsA] })).to.deep.equal([]);
        expect(read).to.deep.equal(["open"]);
        const readsB = probeResource((args) => void read.push(args.props.nested[0].b));
        let error: unknown;
        await evaluate([r], { policies: [readsB] }).catch((e) => (error = e));
        expect(error).to.be.instanceOf(SecretNeededError);
        expect((error as Error).message).to.include(".nested.0.b").and.include("--show-secrets");
    });
});
