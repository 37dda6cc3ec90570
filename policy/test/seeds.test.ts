/**
 * The issue's seed cases, from the systems our users come from: each must be rejected by the
 * whole pack (a mandatory violation) under both stacks' policy config.
 */
import { expect } from "chai";
import { evaluate } from "../offline/analyzer";
import { doc, res, type TestResource, UNKNOWN } from "./harness";

const ciTrust = doc({ Effect: "Allow", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/gitlab.com" }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "gitlab.com:aud": "https://gitlab.com", "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:main" } } });
const instanceTrust = doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
const ciRole = res("aws:iam/role:Role", "ci", { assumeRolePolicy: ciTrust });
const instanceRole = res("aws:iam/role:Role", "instance", { assumeRolePolicy: instanceTrust });
const inline = (statement: Record<string, unknown>) => [ciRole, res("aws:iam/rolePolicy:RolePolicy", "ci-policy", { role: UNKNOWN, policy: doc(statement) }, { role: [ciRole] })];
const healthy = { enabled: true, path: "/health/deep", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 };
const tg = (healthCheck: Record<string, unknown>, extra: Record<string, unknown> = {}) => res("aws:lb/targetGroup:TargetGroup", "web", { port: 80, protocol: "HTTP", healthCheck, ...extra });

const seeds: [string, TestResource[]][] = [
    ...["IAMFullAccess", "AmazonEC2FullAccess", "AmazonS3FullAccess", "CloudWatchLogsFullAccess", "ElasticLoadBalancingFullAccess", "AutoScalingFullAccess"].flatMap(
        (name): [string, TestResource[]][] =>
            [ciRole, instanceRole].map((role): [string, TestResource[]] => [
                `${name} attached to the ${role.name} role`,
                [role, res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "att", { role: UNKNOWN, policyArn: `arn:aws:iam::aws:policy/${name}` }, { role: [role] })],
            ]),
    ),
    ["an inline policy allowing iam:PassRole, ec2:CreateTags, ec2:RunInstances on *", inline({ Effect: "Allow", Action: ["iam:PassRole", "ec2:CreateTags", "ec2:RunInstances"], Resource: "*" })],
    ["a 'least privilege' CI policy allowing elasticloadbalancing:ModifyListener on *", inline({ Effect: "Allow", Action: "elasticloadbalancing:ModifyListener", Resource: "*" })],
    ["a CI policy whose CodeDeploy ARNs use * for region and account", inline({ Effect: "Allow", Action: "codedeploy:CreateDeployment", Resource: "arn:aws:codedeploy:*:*:deploymentgroup:bluegreen-production/blue" })],
    ["a target group with a 30 s deregistration delay", [tg(healthy, { deregistrationDelay: 30 })]],
    ["a target group with health checks disabled", [tg({ ...healthy, enabled: false })]],
    ["a target group with the default / path", [tg({ ...healthy, path: "/" })]],
    ["an ASG attached to a target group with EC2 health checks", [res("aws:autoscaling/group:Group", "asg", { healthCheckType: "EC2", healthCheckGracePeriod: 300, targetGroupArns: ["arn:aws:elasticloadbalancing:ap-northeast-2:123456789012:targetgroup/web/1"] })]],
];

describe("seed cases", () => {
    for (const stack of ["staging", "production"]) {
        for (const [what, resources] of seeds) {
            it(`${stack} rejects ${what}`, async () => {
                const violations = await evaluate(resources, { stack });
                expect(violations.filter((v) => v.enforcementLevel === "mandatory"), JSON.stringify(violations)).to.have.length.greaterThan(0);
            });
        }
    }
});
