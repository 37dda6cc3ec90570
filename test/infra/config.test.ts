import { expect } from "chai";
import { ConfigError, parseStackConfig, type RawConfig } from "../../infra/config";
import { knownStacks, readStackConfig } from "../../infra/stackFiles";

const minimal: RawConfig = {
    "aws:region": "ap-northeast-2",
    "bluegreen:amiId": "ami-0123456789abcdef0",
    "bluegreen:testListenerCidrs": '["203.0.113.0/24"]',
    "bluegreen:gitlabProjectPath": "platform/bluegreen",
};

function problemsOf(overrides: RawConfig, stack = "staging"): string[] {
    // An override of undefined removes the key.
    const raw = Object.fromEntries(Object.entries({ ...minimal, ...overrides }).filter(([, v]) => v !== undefined));
    try {
        parseStackConfig("bluegreen", stack, raw);
    } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as ConfigError).problems;
    }
    return [];
}

describe("stack config", () => {
    it("applies documented defaults to a minimal staging config", () => {
        const cfg = parseStackConfig("bluegreen", "staging", minimal);
        expect(cfg.deregistrationDelaySeconds).to.equal(300);
        expect(cfg.healthCheck).to.deep.equal({ intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 2 });
        expect(cfg.capacity).to.deep.equal({ min: 1, max: 2, desired: 1 });
        expect(cfg.natGateways).to.equal("single");
        expect(cfg.cpuTargetPercent).to.equal(50);
        expect(cfg.gitlab).to.include({ url: "https://gitlab.com", audience: "https://gitlab.com", protectedRef: "main" });
        expect(cfg.amiId).to.equal("ami-0123456789abcdef0");
        expect(cfg.holdLaunchTemplate).to.equal(undefined);
        expect(cfg.revisionRetentionDays).to.equal(180);
    });

    it("reads a held color", () => {
        expect(parseStackConfig("bluegreen", "staging", { ...minimal, "bluegreen:holdLaunchTemplate": "green" }).holdLaunchTemplate).to.equal("green");
    });

    it("reads both committed stack files without a problem, and they differ where environments should", () => {
        const staging = parseStackConfig("bluegreen", "staging", readStackConfig("staging"));
        const production = parseStackConfig("bluegreen", "production", readStackConfig("production"));
        expect(staging.region).to.equal("ap-northeast-2");
        expect(production.region).to.equal("ap-northeast-2");
        expect([staging.instanceType, production.instanceType]).to.deep.equal(["t3.small", "t3.medium"]);
        expect([staging.natGateways, production.natGateways]).to.deep.equal(["single", "onePerAz"]);
        expect(staging.certificateArn).to.equal(undefined);
        expect(production.certificateArn).to.match(/^arn:aws:acm:ap-northeast-2:/);
        expect(production.deletionProtection).to.equal(true);
        expect(staging.vpcCidr).to.not.equal(production.vpcCidr);
    });

    it("names the stack and the known stacks when a stack file is missing", () => {
        expect(() => readStackConfig("qa")).to.throw(`unknown stack "qa": `);
        expect(() => readStackConfig("qa")).to.throw(`; known stacks: ${knownStacks().join(", ")}`);
        expect(knownStacks()).to.include.members(["production", "staging"]);
    });

    const badInputs: Array<[string, RawConfig, RegExp]> = [
        ["deregistration delay above 3600", { "bluegreen:deregistrationDelay": "4000" }, /^bluegreen:deregistrationDelay: got "4000"; expected a whole number from 0 to 3600$/],
        ["deregistration delay that is not a number", { "bluegreen:deregistrationDelay": "five minutes" }, /^bluegreen:deregistrationDelay: got "five minutes"; expected a whole number/],
        ["health check interval not greater than timeout", { "bluegreen:healthCheckInterval": "5", "bluegreen:healthCheckTimeout": "5" }, /^bluegreen:healthCheckInterval: got "5"; expected a value greater than bluegreen:healthCheckTimeout \(5\)$/],
        ["capacity min above max", { "bluegreen:minSize": "3", "bluegreen:maxSize": "2", "bluegreen:desiredCapacity": "2" }, /^bluegreen:minSize: got "3"; expected at most bluegreen:maxSize \(2\)$/],
        ["desired capacity outside min..max", { "bluegreen:desiredCapacity": "5" }, /^bluegreen:desiredCapacity: got "5"; expected between bluegreen:minSize \(1\) and bluegreen:maxSize \(2\)$/],
        ["malformed CIDR in the test listener list", { "bluegreen:testListenerCidrs": '["10.0.0.300/24"]' }, /^bluegreen:testListenerCidrs: got .*10\.0\.0\.300.*; expected a non-empty list of IPv4 CIDR blocks/],
        ["the whole internet on the test listener", { "bluegreen:testListenerCidrs": '["0.0.0.0/0"]' }, /^bluegreen:testListenerCidrs: .*other than 0\.0\.0\.0\/0/],
        ["malformed certificate ARN", { "bluegreen:certificateArn": "arn:aws:acm:eu-west-1:123:certificate/x" }, /^bluegreen:certificateArn: got "arn:aws:acm:eu-west-1:123:certificate\/x"; expected an ACM certificate ARN$/],
        ["malformed OIDC provider ARN", { "bluegreen:oidcProviderArn": "arn:aws:iam::123456789012:role/x" }, /^bluegreen:oidcProviderArn: got .*; expected an IAM OIDC provider ARN/],
        ["wildcard project path", { "bluegreen:gitlabProjectPath": "platform/*" }, /^bluegreen:gitlabProjectPath: got "platform\/\*"; expected a GitLab project path/],
        ["unknown NAT gateway mode", { "bluegreen:natGateways": "none" }, /^bluegreen:natGateways: got "none"; expected one of single, onePerAz$/],
        ["unknown key", { "bluegreen:deregistrationDelaySeconds": "300" }, /^bluegreen:deregistrationDelaySeconds: unknown key; known keys are .*bluegreen:deregistrationDelay,/],
        ["missing region", { "aws:region": "" }, /^aws:region: got ""; expected an AWS region/],
        ["slow start out of AWS's range", { "bluegreen:slowStart": "10" }, /^bluegreen:slowStart: got "10"; expected 0 \(off\) or a whole number of seconds from 30 to 900$/],
        ["a certificate without the host name it covers", { "bluegreen:certificateArn": "arn:aws:acm:ap-northeast-2:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b" }, /^bluegreen:publicHostname: missing; expected the DNS name bluegreen:certificateArn covers/],
        ["a host name that is not one", { "bluegreen:publicHostname": "https://app.example.com" }, /^bluegreen:publicHostname: got "https:\/\/app\.example\.com"; expected a lower-case DNS name/],
        ["a key without the bluegreen: prefix (the CLI would read it as one, plan would not)", { deregistrationDelay: "30" }, /^deregistrationDelay: key without a namespace; expected bluegreen:deregistrationDelay \(stack file keys need the bluegreen: prefix, or a provider's such as aws:\)$/],
        ["a missing AMI", { "bluegreen:amiId": undefined as unknown as string }, /^bluegreen:amiId: missing; expected an AMI id such as ami-0123456789abcdef0/],
        ["an AMI that is not an id (e.g. the SSM parameter name)", { "bluegreen:amiId": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }, /^bluegreen:amiId: got "\/aws\/service\/.*"; expected an AMI id/],
        ["the retired SSM lookup key", { "bluegreen:amiSsmParameter": "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }, /^bluegreen:amiSsmParameter: no longer read; expected bluegreen:amiId, a reviewed AMI id/],
        ["a held launch template of no color", { "bluegreen:holdLaunchTemplate": "red" }, /^bluegreen:holdLaunchTemplate: got "red"; expected one of blue, green$/],
        ["log retention CloudWatch does not offer", { "bluegreen:logRetentionDays": "10" }, /^bluegreen:logRetentionDays: got "10"; expected one of 1, 3, 5, 7, 14, 30/],
    ];
    for (const [what, overrides, message] of badInputs) {
        it(`rejects ${what} with a message naming key, value and what is allowed`, () => {
            const problems = problemsOf(overrides);
            expect(problems.some((p) => message.test(p)), problems.join("\n")).to.equal(true);
        });
    }

    it("requires a certificate in production unless plain HTTP is accepted explicitly", () => {
        expect(problemsOf({}, "production")).to.deep.equal([
            `bluegreen:certificateArn: missing; expected an ACM certificate ARN (this stack serves production traffic; set bluegreen:allowHttpWithoutCertificate: "true" only to accept plain HTTP deliberately)`,
        ]);
        expect(problemsOf({ "bluegreen:allowHttpWithoutCertificate": "true" }, "production")).to.deep.equal([]);
    });

    it("reports every problem at once, not only the first", () => {
        const problems = problemsOf({ "bluegreen:deregistrationDelay": "-1", "bluegreen:cpuTargetPercent": "95", "bluegreen:gitlabProjectPath": "" });
        expect(problems).to.have.length(3);
        expect(problems.join("\n")).to.include('bluegreen:gitlabProjectPath: got ""');
    });

    it("reports a required key that is absent as missing", () => {
        const cfg = { ...minimal };
        delete cfg["bluegreen:testListenerCidrs"];
        expect(problemsOf({}).length).to.equal(0);
        expect(() => parseStackConfig("bluegreen", "staging", cfg)).to.throw(ConfigError, /bluegreen:testListenerCidrs: missing/);
    });
});
