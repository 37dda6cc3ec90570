/**
 * Preview: a value a policy needs may be unknown. Every policy must then neither crash nor pass
 * silently: the analyzer turns the read into an advisory "can't run … during preview".
 */
import { expect } from "chai";
import { check, res, UNKNOWN } from "./harness";

const hc = { enabled: true, path: "/health/deep", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 };
const bucket = res("aws:s3/bucket:Bucket", "b", {});
const sg = res("aws:ec2/securityGroup:SecurityGroup", "sg", {});

const cases: [string, ReturnType<typeof res>[]][] = [
    ["iam-no-wildcard-actions", [res("aws:iam/rolePolicy:RolePolicy", "p", { role: "r", policy: UNKNOWN })]],
    ["iam-no-wildcard-resources", [res("aws:iam/policy:Policy", "p", { policy: { Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: UNKNOWN }] } })]],
    ["iam-no-not-action-or-not-resource", [res("aws:iam/role:Role", "r", { assumeRolePolicy: "{}", inlinePolicies: UNKNOWN })]],
    ["iam-passrole-named-roles", [res("aws:iam/userPolicy:UserPolicy", "p", { user: "u", policy: UNKNOWN })]],
    ["iam-passrole-passed-to-service", [res("aws:iam/groupPolicy:GroupPolicy", "p", { group: "g", policy: UNKNOWN })]],
    ["iam-no-broad-managed-policies", [res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "a", { role: "r", policyArn: UNKNOWN })]],
    ["iam-trust-policy", [res("aws:iam/role:Role", "r", { assumeRolePolicy: UNKNOWN })]],
    ["lb-deregistration-delay", [res("aws:lb/targetGroup:TargetGroup", "tg", { deregistrationDelay: UNKNOWN })]],
    ["lb-health-check", [res("aws:alb/targetGroup:TargetGroup", "tg", { healthCheck: { ...hc, interval: UNKNOWN } })]],
    ["asg-elb-health-check", [res("aws:autoscaling/group:Group", "asg", { targetGroupArns: ["arn"], healthCheckType: UNKNOWN })]],
    ["lb-blue-green-parity", [res("aws:lb/targetGroup:TargetGroup", "web-blue", { healthCheck: hc, tags: { Color: "blue" } }), res("aws:lb/targetGroup:TargetGroup", "web-green", { deregistrationDelay: UNKNOWN, tags: { Color: "green" } })]],
    ["lb-listener-https", [res("aws:lb/listener:Listener", "l", { protocol: UNKNOWN })]],
    ["compute-imdsv2-required", [res("aws:ec2/launchTemplate:LaunchTemplate", "lt", { metadataOptions: UNKNOWN })]],
    ["compute-no-public-ingress", [sg, res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "r", { securityGroupId: UNKNOWN, ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: UNKNOWN }, { securityGroupId: [sg] })]],
    ["storage-bucket-protection", [bucket, res("aws:s3/bucketPolicy:BucketPolicy", "p", { bucket: UNKNOWN, policy: UNKNOWN }, { bucket: [bucket] })]],
    ["storage-bucket-policy-grants", [res("aws:s3/bucketPolicy:BucketPolicy", "p", { bucket: "b", policy: UNKNOWN })]],
    ["deployment-auto-rollback", [res("aws:codedeploy/deploymentGroup:DeploymentGroup", "dg", { autoRollbackConfiguration: UNKNOWN })]],
];

describe("unknown values during preview", () => {
    for (const [policy, resources] of cases) {
        it(`${policy}: an unknown input gives an advisory "can't run during preview", not a crash or a pass`, async () => {
            const violations = await check(policy, resources);
            expect(violations).to.have.length.greaterThan(0);
            expect(violations[0].enforcementLevel).to.equal("advisory");
            expect(violations[0].message).to.include(`can't run policy '${policy}'`).and.include("during preview");
        });
    }
});
