/**
 * The policies see the real program's shapes: break one thing in the mocked staging stack and the
 * policy responsible must fire. Guards against a clean stack passing only because a policy never
 * recognised what the program declares.
 */
import { expect } from "chai";
import * as path from "node:path";
import { evaluate, type SourceResource } from "../offline/analyzer";
import { loadPolicyConfig, stackConfigPath } from "../offline/config";
import { REPO_ROOT } from "../offline/sources";

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the infra program is outside the pack's TypeScript project
const { simulateStack } = require(path.join(REPO_ROOT, "infra", "simulate")) as { simulateStack(stack: string): Promise<{ resources: SourceResource[] }> };

type Mutation = (resources: SourceResource[]) => SourceResource[];

/** Changes the inputs and outputs of the resource whose name ends with `suffix`, as a changed program would. */
const edit = (suffix: string, change: (props: Record<string, any>) => void): Mutation => (resources) =>
    resources.map((r) => {
        if (!r.urn.endsWith(`::${suffix}`)) return r;
        const [inputs, outputs] = [structuredClone(r.inputs), structuredClone(r.outputs ?? r.inputs)];
        change(inputs);
        change(outputs);
        return { ...r, inputs, outputs };
    });

const rewriteDocument = (prop: string, change: (doc: any) => void) => (inputs: Record<string, any>) => {
    const doc = JSON.parse(inputs[prop]);
    change(doc);
    inputs[prop] = JSON.stringify(doc);
};

const cases: [string, string, Mutation][] = [
    ["lb-deregistration-delay", "a 30 s delay on the blue target group", edit("lb-blue", (i) => (i.deregistrationDelay = 30))],
    ["lb-blue-green-parity", "blue draining differently from green", edit("lb-blue", (i) => (i.deregistrationDelay = 600))],
    ["lb-health-check", "the default / health-check path", edit("lb-green", (i) => (i.healthCheck.path = "/"))],
    ["asg-elb-health-check", "EC2 health checks on the blue fleet", edit("blue-fleet-asg", (i) => (i.healthCheckType = "EC2"))],
    ["iam-no-wildcard-resources", "the deploy policy on *", edit("gitlab-deploy-policy", rewriteDocument("policy", (d) => d.Statement.forEach((s: any) => (s.Resource = "*"))))],
    ["iam-no-wildcard-actions", "the instance policy allowing s3:*", edit("instance-policy", rewriteDocument("policy", (d) => (d.Statement[0].Action = "s3:*")))],
    ["iam-trust-policy", "the deploy role trusting project_path:*", edit("gitlab-deploy-role", rewriteDocument("assumeRolePolicy", (d) => (d.Statement[0].Condition.StringEquals["gitlab.com:sub"] = "project_path:*")))],
    ["iam-no-broad-managed-policies", "AmazonS3FullAccess on the instance role", edit("instance-ssm-core", (i) => (i.policyArn = "arn:aws:iam::aws:policy/AmazonS3FullAccess"))],
    ["compute-imdsv2-required", "IMDSv1 on the launch template", edit("instances-blue-lt", (i) => (i.metadataOptions.httpTokens = "optional"))],
    ["compute-no-public-ingress", "the test port opened to the world", edit("lb-alb-in-test-0", (i) => (i.cidrIpv4 = "0.0.0.0/0"))],
    ["storage-bucket-protection", "the artifact bucket without versioning", (rs) => rs.filter((r) => !r.type.startsWith("aws:s3/bucketVersioning"))],
    ["deployment-auto-rollback", "automatic rollback switched off", edit("deploy-blue", (i) => (i.autoRollbackConfiguration.enabled = false))],
];

describe("policies on the real program (staging under mocks)", () => {
    let resources: SourceResource[];
    const config = loadPolicyConfig(stackConfigPath("staging"));

    before(async () => {
        ({ resources } = await simulateStack("staging"));
    });

    for (const [policy, what, mutate] of cases) {
        it(`${policy} catches ${what}`, async () => {
            const violations = await evaluate(mutate(resources), { stack: "staging", config });
            expect(violations.map((v) => v.policy)).to.include(policy);
            expect(violations.every((v) => v.enforcementLevel === "mandatory")).to.equal(true);
        });
    }
});
