/**
 * The classes of harmful change, each made to a realistic `pulumi stack export` of the
 * project's own stacks (the real program under mocks, written as state), and run through the
 * offline gate as a platform team would: `policy:check --stack-export <file> --json` under each
 * stack's own policy config. Every harmful case must be rejected by the policy responsible (a
 * mandatory violation, exit 1); every correct one must leave the stack with zero violations.
 */
import { expect } from "chai";
import { edit, resource, rename, SECRET_SIG, SIG_KEY, stackExport } from "./exports";
import { ACCOUNT, appOf, arnOf, attach, declare, bucketOf, bucketPolicy, type Case, describeCases, gate, type Good, ingress, ports, readPolicy, regionOf, tlsDeny, toCodeDeployRole, toDeployRole, toInstanceRole, trust } from "./exportCases";

/** CIDRs covering every IPv4 address except 10.0.0.0/8: all of the public internet. */
const ALL_BUT_TEN = ["0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/1"];

const harmful: Record<string, Case[]> = {
    "IAM: wildcards after the resource type, other accounts and regions": [
        ["the deploy role may assume every role of the account", toDeployRole(() => [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: `arn:aws:iam::${ACCOUNT}:role/*` }]), "iam-no-wildcard-resources"],
        ["the instance role may read every secret", toInstanceRole((s) => [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: `arn:aws:secretsmanager:${regionOf(s)}:${ACCOUNT}:secret:*` }]), "iam-no-wildcard-resources"],
        ["CodeDeploy actions on every deployment group of the application", toDeployRole((s) => [{ Effect: "Allow", Action: "codedeploy:CreateDeployment", Resource: `arn:aws:codedeploy:${regionOf(s)}:${ACCOUNT}:deploymentgroup:${appOf(s)}/*` }]), "iam-no-wildcard-resources"],
        ["S3 writes on a revisions/ prefix in every bucket", toDeployRole(() => [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::*/revisions/*" }]), "iam-no-wildcard-resources"],
        ["S3 reads in every bucket whose name starts like this stack's", toInstanceRole((s) => [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucketOf(s).slice(0, 20)}*` }]), "iam-no-wildcard-resources"],
        ["SSM parameters under a path prefix", toInstanceRole((s) => [{ Effect: "Allow", Action: "ssm:GetParameter", Resource: `arn:aws:ssm:${regionOf(s)}:${ACCOUNT}:parameter/bluegreen/*` }]), "iam-no-wildcard-resources"],
        ["a single-character wildcard in a log group name", toInstanceRole((s) => [{ Effect: "Allow", Action: "logs:PutLogEvents", Resource: `arn:aws:logs:${regionOf(s)}:${ACCOUNT}:log-group:/bluegreen/*/app:*` }]), "iam-no-wildcard-resources"],
        ["an action pattern in another letter case", toDeployRole(() => [{ Effect: "Allow", Action: "STS:assumerole", Resource: `arn:aws:iam::${ACCOUNT}:role/ops-*` }]), "iam-no-wildcard-resources"],
        ["a listener of another account", toDeployRole((s) => [{ Effect: "Allow", Action: "elasticloadbalancing:ModifyListener", Resource: arnOf(s, "lb-production").replace(ACCOUNT, "999999999999") }]), "iam-no-wildcard-resources"],
        ["alarms of another region", toDeployRole((s) => [{ Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: arnOf(s, "alarms-alb-5xx").replace(regionOf(s), "us-east-1") }]), "iam-no-wildcard-resources"],
        ["a wildcard region", toDeployRole((s) => [{ Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: arnOf(s, "alarms-alb-5xx").replace(regionOf(s), "*") }]), "iam-no-wildcard-resources"],
        ["iam:PassRole on every role even when pinned to one service", toCodeDeployRole(() => [{ Effect: "Allow", Action: "iam:PassRole", Resource: `arn:aws:iam::${ACCOUNT}:role/*`, Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } }]), "iam-no-wildcard-resources"],
        ["ec2:RunInstances creating any instance (no launch-template condition)", toCodeDeployRole((s) => [{ Effect: "Allow", Action: "ec2:RunInstances", Resource: `arn:aws:ec2:${regionOf(s)}:${ACCOUNT}:instance/*` }]), "iam-no-wildcard-resources"],
        ["the launch-template condition under a negated operator", toCodeDeployRole((s) => [{ Effect: "Allow", Action: "ec2:RunInstances", Resource: `arn:aws:ec2:${regionOf(s)}:${ACCOUNT}:instance/*`, Condition: { ArnNotEquals: { "ec2:LaunchTemplate": arnOf(s, "instances-blue-lt") } } }]), "iam-no-wildcard-resources"],
        ["PutMetricData on * without a namespace condition", toInstanceRole(() => [{ Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*" }]), "iam-no-wildcard-resources"],
        ["PutMetricData on * with the namespace only under ...IfExists", toInstanceRole(() => [{ Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEqualsIfExists: { "cloudwatch:namespace": "bluegreen" } } }]), "iam-no-wildcard-resources"],
        ["PutMetricData on * with a wildcard namespace", toInstanceRole(() => [{ Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringLike: { "cloudwatch:namespace": "*" } } }]), "iam-no-wildcard-resources"],
    ],
    "conditions read with their operators (OIDC trust)": [
        ["a sub under a negated operator", trust((st) => (st.Condition = { StringEquals: { "gitlab.com:aud": "https://gitlab.com" }, StringNotEquals: { "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:main" } })), "iam-trust-policy"],
        ["a sub that allows any branch of the project", trust((st) => (st.Condition = { StringEquals: { "gitlab.com:aud": "https://gitlab.com" }, StringLike: { "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:*" } })), "iam-trust-policy"],
        ["a sub with a wildcard in the project path", trust((st) => {
            st.Condition.StringLike = { "gitlab.com:sub": "project_path:platform/*:ref_type:branch:ref:main" };
            delete st.Condition.StringEquals["gitlab.com:sub"];
        }), "iam-trust-policy"],
        ["a sub with a single-character wildcard", trust((st) => (st.Condition = { StringEquals: { "gitlab.com:aud": "https://gitlab.com" }, StringLike: { "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:mai?" } })), "iam-trust-policy"],
        ["a sub pinned to an unprotected branch", trust((st) => (st.Condition.StringEquals["gitlab.com:sub"] = "project_path:platform/bluegreen:ref_type:branch:ref:feature-x")), "iam-trust-policy"],
        ["a sub under ForAllValues (true when the claim is absent)", trust((st) => (st.Condition = { StringEquals: { "gitlab.com:aud": "https://gitlab.com" }, "ForAllValues:StringEquals": { "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:main" } })), "iam-trust-policy"],
        ["a sub under ...IfExists", trust((st) => (st.Condition = { StringEquals: { "gitlab.com:aud": "https://gitlab.com" }, StringEqualsIfExists: { "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:main" } })), "iam-trust-policy"],
        ["a sub of another provider's claim", trust((st) => (st.Condition.StringEquals = { "gitlab.com:aud": "https://gitlab.com", "token.actions.githubusercontent.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:main" })), "iam-trust-policy"],
        ["an audience wildcard", trust((st) => (st.Condition = { StringLike: { "gitlab.com:aud": "https://*" }, StringEquals: { "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:main" } })), "iam-trust-policy"],
        ["no audience", trust((st) => delete st.Condition.StringEquals["gitlab.com:aud"]), "iam-trust-policy"],
        ["trust of another account", trust((st) => Object.assign(st, { Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "sts:AssumeRole", Condition: undefined })), "iam-trust-policy"],
    ],
    "bucket policies judged as grants": [
        ["another account granted s3:* on the revision bucket", bucketPolicy((doc, s) => doc.Statement.push({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::999999999999:root" }, Action: "s3:*", Resource: [`arn:aws:s3:::${bucketOf(s)}`, `arn:aws:s3:::${bucketOf(s)}/*`] })), "storage-bucket-policy-grants"],
        ["everyone granted reads", bucketPolicy((doc, s) => doc.Statement.push({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucketOf(s)}/*` })), "storage-bucket-policy-grants"],
        ["another account given by its bare account id", bucketPolicy((doc, s) => doc.Statement.push({ Effect: "Allow", Principal: { AWS: "999999999999" }, Action: "s3:PutObject", Resource: `arn:aws:s3:::${bucketOf(s)}/revisions/*` })), "storage-bucket-policy-grants"],
        ["a TLS deny that covers only the bucket, not its objects", tlsDeny((st, s) => (st.Resource = `arn:aws:s3:::${bucketOf(s)}`)), "storage-bucket-protection"],
        ["a TLS deny that covers only the objects", tlsDeny((st, s) => (st.Resource = `arn:aws:s3:::${bucketOf(s)}/*`)), "storage-bucket-protection"],
        ["a TLS deny for one principal only", tlsDeny((st) => (st.Principal = { AWS: `arn:aws:iam::${ACCOUNT}:root` })), "storage-bucket-protection"],
        ["a TLS deny that exempts principals through a condition", tlsDeny((st) => (st.Condition.StringNotEquals = { "aws:PrincipalAccount": ACCOUNT })), "storage-bucket-protection"],
        ["a TLS deny of one action only", tlsDeny((st) => (st.Action = "s3:GetObject")), "storage-bucket-protection"],
        ["a deny that fires on TLS instead of without it", tlsDeny((st) => (st.Condition = { Bool: { "aws:SecureTransport": "true" } })), "storage-bucket-protection"],
    ],
    "managed-policy attachments judged by the ARN they carry": [
        ["AdministratorAccess read through aws.iam.Policy.get", (s) => {
            const read = readPolicy(s, "admin", "arn:aws:iam::aws:policy/AdministratorAccess");
            attach(s, "instance-ssm-core", "policyArn", read.outputs.arn, [read]);
        }, "iam-no-broad-managed-policies"],
        ["a customer managed policy that is not in the stack", (s) => edit(s, "instance-ssm-core", (p) => (p.policyArn = "arn:aws:iam::999999999999:policy/SharedOps")), "iam-no-broad-managed-policies"],
        ["PowerUserAccess in another partition's spelling", (s) => edit(s, "codedeploy-service-policy", (p) => (p.policyArn = "arn:aws-us-gov:iam::aws:policy/PowerUserAccess")), "iam-no-broad-managed-policies"],
    ],
    "ingress judged as the union of a group's CIDRs": [
        ["SSH open to two halves of the IPv4 internet", (s) => { ingress("instances-sg", "ssh-low", { ...ports(22), cidrIpv4: "0.0.0.0/1" })(s); ingress("instances-sg", "ssh-high", { ...ports(22), cidrIpv4: "128.0.0.0/1" })(s); }, "compute-no-public-ingress"],
        ["the test port open to two halves of the IPv6 internet", (s) => { ingress("lb-alb-sg", "test-v6-low", { ...ports(8443), cidrIpv6: "::/1" })(s); ingress("lb-alb-sg", "test-v6-high", { ...ports(8443), cidrIpv6: "8000::/1" })(s); }, "compute-no-public-ingress"],
        ["a port range opened to every public address (all but 10.0.0.0/8)", (s) => ALL_BUT_TEN.forEach((cidr, i) => ingress("instances-sg", `wide-${i}`, { fromPort: 1024, toPort: 65535, cidrIpv4: cidr })(s)), "compute-no-public-ingress"],
        ["one half on a port range and the other on a single port inside it", (s) => { ingress("instances-sg", "range", { fromPort: 3000, toPort: 3010, cidrIpv4: "0.0.0.0/1" })(s); ingress("instances-sg", "one", { ...ports(3005), cidrIpv4: "128.0.0.0/1" })(s); }, "compute-no-public-ingress"],
    ],
    "blue/green parity by what the target groups are": [
        ["differently named groups behind the production listener that drain differently", (s) => {
            rename(s, "lb-blue", "web-primary");
            rename(s, "lb-green", "web-secondary");
            for (const name of ["web-primary", "web-secondary"]) edit(s, name, (p) => delete p.tags.Color);
            edit(s, "web-secondary", (p) => (p.deregistrationDelay = 600));
        }, "lb-blue-green-parity"],
        ["color-tagged groups with different health checks", (s) => {
            rename(s, "lb-blue", "web-a");
            rename(s, "lb-green", "web-b");
            edit(s, "web-b", (p) => (p.healthCheck.interval = 30));
        }, "lb-blue-green-parity"],
    ],
};

const correct: Good[] = [
    ["PutMetricData on * limited by a cloudwatch:namespace condition", toInstanceRole(() => [{ Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "bluegreen/app" } } }])],
    ["the CodeDeploy service role's launch-template statements (RunInstances, CreateTags, PassRole)", toCodeDeployRole((s) => {
        const r = regionOf(s);
        const lt = arnOf(s, "instances-blue-lt");
        const ami = resource(s, "instances-blue-lt").outputs.imageId;
        const subnets = (resource(s, "network-vpc").outputs.privateSubnetIds as string[]).map((id) => `arn:aws:ec2:${r}:${ACCOUNT}:subnet/${id}`);
        const created = ["instance", "volume", "network-interface"].map((t) => `arn:aws:ec2:${r}:${ACCOUNT}:${t}/*`);
        return [
            { Sid: "LaunchFromTheTemplate", Effect: "Allow", Action: "ec2:RunInstances", Resource: [lt, `arn:aws:ec2:${r}::image/${ami}`, arnOf(s, "instances-sg"), ...subnets] },
            { Sid: "CreateOnlyThroughTheTemplate", Effect: "Allow", Action: "ec2:RunInstances", Resource: created, Condition: { ArnEquals: { "ec2:LaunchTemplate": lt } } },
            { Sid: "TagWhatItLaunches", Effect: "Allow", Action: "ec2:CreateTags", Resource: created.slice(0, 2), Condition: { StringEquals: { "ec2:CreateAction": "RunInstances" } } },
            { Sid: "PassTheInstanceRole", Effect: "Allow", Action: "iam:PassRole", Resource: arnOf(s, "instance-role"), Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } },
        ];
    })],
    ["a bucket grant to a role of this account", bucketPolicy((doc, s) => doc.Statement.push({ Effect: "Allow", Principal: { AWS: arnOf(s, "gitlab-deploy-role") }, Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucketOf(s)}/revisions/*` }))],
    ["a TLS deny written as one wildcard over the bucket and its objects", tlsDeny((st, s) => (st.Resource = `arn:aws:s3:::${bucketOf(s)}*`))],
    ["an exact sub written with StringLike", trust((st) => (st.Condition = { StringEquals: { "gitlab.com:aud": "https://gitlab.com" }, StringLike: { "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:branch:ref:main" } }))],
    ["a customer managed policy of this stack attached by its ARN", (s) => {
        const doc = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${bucketOf(s)}/revisions/*` }] });
        const arn = `arn:aws:iam::${ACCOUNT}:policy/bluegreen-read-revisions`;
        const policy = declare(s, "instance-role", "aws:iam/policy:Policy", "read-revisions", { policy: doc }, {}, { arn, name: "bluegreen-read-revisions" });
        attach(s, "instance-ssm-core", "policyArn", arn, [policy]);
    }],
    ["the web ports of the load balancer open to two halves of the internet", (s) => {
        ingress("lb-alb-sg", "https-low", { ...ports(443), cidrIpv4: "0.0.0.0/1" })(s);
        ingress("lb-alb-sg", "https-high", { ...ports(443), cidrIpv4: "128.0.0.0/1" })(s);
    }],
    ["renamed target groups that stay identical", (s) => {
        rename(s, "lb-blue", "web-primary");
        rename(s, "lb-green", "web-secondary");
    }],
];

describe("the issue's classes on realistic stack exports", () => {
    for (const stack of ["staging", "production"] as const) {
        it(`${stack}: the unchanged export has zero violations`, async () => {
            const v = await gate(await stackExport(stack));
            expect(v.violations, JSON.stringify(v.violations, null, 1)).to.deep.equal([]);
            expect(v.code).to.equal(0);
        });
    }
    describeCases(harmful, correct);

    describe("secrets fail closed", () => {
        const cipher = { [SIG_KEY]: SECRET_SIG, ciphertext: "AAABAGQ2ZjYzNjYxMzIzNzM0NjI2MzM1MzQ2NDMz" };
        it("exits 2 telling to export with --show-secrets when a policy needs a secret's value", async () => {
            const s = await stackExport("staging");
            edit(s, "gitlab-deploy-policy", (p) => (p.policy = cipher));
            const v = await gate(s);
            expect(v.code).to.equal(2);
            expect(v.err).to.include("--show-secrets").and.include("gitlab-deploy-policy");
        });
        it("reads secrets exported with --show-secrets (plaintext) like any value", async () => {
            const s = await stackExport("staging");
            edit(s, "gitlab-deploy-policy", (p) => (p.policy = { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(p.policy) }));
            expect((await gate(s)).code).to.equal(0);
            edit(s, "instance-policy", (p) => (p.policy = { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(JSON.stringify({ Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] })) }));
            expect((await gate(s)).code).to.equal(1);
        });
        it("does not fail on ciphertext no policy reads", async () => {
            const s = await stackExport("staging");
            edit(s, "instances-blue-lt", (p) => (p.userData = cipher));
            expect((await gate(s)).code).to.equal(0);
        });
    });
});
