/**
 * More cases of the classes, built independently of classes.test.ts the way a platform
 * team would write them: other services and ARN shapes, other condition operators and keys, other
 * principals, other ways to open ingress, attach managed policies, hide documents in secrets and
 * pair target groups, and correct policies that must pass. Each runs through the offline gate on
 * a realistic export of both project stacks (exportCases.ts).
 */
import { expect } from "chai";
import { edit, resource, rename, SECRET_SIG, SIG_KEY, type StackExport, stackExport } from "./exports";
import {
    ACCOUNT,
    arnOf,
    attach,
    bucketOf,
    bucketPolicy,
    type Case,
    declare,
    describeCases,
    gate,
    type Good,
    ingress,
    OTHER_ACCOUNT,
    ports,
    readPolicy,
    regionOf,
    stackOf,
    tlsDeny,
    toCodeDeployRole,
    toDeployRole,
    toInstanceRole,
    trust,
} from "./exportCases";

const arn = (s: StackExport, service: string, resourcePart: string) => `arn:aws:${service}:${regionOf(s)}:${ACCOUNT}:${resourcePart}`;
const otherStack = (s: StackExport) => (stackOf(s) === "staging" ? "production" : "staging");
const logGroupArn = (s: StackExport) => arnOf(s, "logs-app");
const asgName = (s: StackExport) => resource(s, "blue-fleet-asg").outputs.name as string;
const tgName = (s: StackExport) => resource(s, "lb-blue").outputs.name as string;
const allow = (Action: unknown, Resource: unknown, Condition?: Record<string, unknown>) => ({ Effect: "Allow", Action, Resource, ...(Condition ? { Condition } : {}) });
const SUB = "project_path:platform/bluegreen:ref_type:branch:ref:main";
const AUD = { "gitlab.com:aud": "https://gitlab.com" };
const pinnedTrust = (conditions: Record<string, unknown>) => trust((st) => (st.Condition = conditions));

/** A grant appended to the artifact bucket's policy. */
const grant = (statement: (s: StackExport) => Record<string, unknown>) => bucketPolicy((doc, s) => doc.Statement.push({ Effect: "Allow", ...statement(s) }));
const objects = (s: StackExport) => `arn:aws:s3:::${bucketOf(s)}/*`;

/** A role declared beside the deploy role, with the given trust policy. */
const roleTrusting = (statement: Record<string, unknown>) => (s: StackExport) => {
    const props = { assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", ...statement }] }), name: "bluegreen-ops" };
    declare(s, "gitlab-deploy-role", "aws:iam/role:Role", "ops-role", props, {}, { arn: `arn:aws:iam::${ACCOUNT}:role/bluegreen-ops` });
};

/** A managed-policy attachment resource on a role of the export. */
const attachment = (type: string, name: string, props: (s: StackExport) => Record<string, unknown>) => (s: StackExport) =>
    declare(s, "instance-ssm-core", type, name, props(s), { role: [resource(s, "instance-role")] });

/** Target groups: edit one, add a third like blue, forward to them. */
const editGroup = (name: string, change: (p: Record<string, any>) => void) => (s: StackExport) => edit(s, name, change);
function forwardTo(s: StackExport, listener: string, groups: string[]): void {
    const targetGroups = groups.map((g, i) => ({ arn: arnOf(s, g), weight: i === 0 ? 100 : 0 }));
    edit(s, listener, (p) => (p.defaultActions = [{ type: "forward", forward: { targetGroups, stickiness: { enabled: false, duration: 1 } } }]));
    resource(s, listener).propertyDependencies!.defaultActions = groups.map((g) => resource(s, g).urn);
}
function thirdGroup(s: StackExport, name: string, change: (p: Record<string, any>) => void): void {
    const blue = resource(s, "lb-blue");
    const props = structuredClone(blue.inputs);
    props.tags = { ...props.tags, Color: "canary" };
    change(props);
    declare(s, "lb-blue", blue.type, name, props, {}, { arn: blue.outputs.arn.replace("lb-blue-", `${name}-`), name: `${name}-1a2b3c4` });
}
/** Each color behind its own host-header rule; no single action forwards to both. */
function oneRulePerColor(s: StackExport): void {
    forwardTo(s, "lb-production", ["lb-blue"]);
    forwardTo(s, "lb-test", ["lb-green"]);
    const listener = resource(s, "lb-production");
    for (const color of ["blue", "green"]) {
        const tg = resource(s, `lb-${color}`);
        declare(s, "lb-production", "aws:lb/listenerRule:ListenerRule", `rule-${color}`, {
            listenerArn: listener.outputs.arn,
            priority: color === "blue" ? 10 : 20,
            conditions: [{ hostHeader: { values: [`${color}.bluegreen.example.com`] } }],
            actions: [{ type: "forward", targetGroupArn: tg.outputs.arn }],
        }, { listenerArn: [listener], actions: [tg] });
    }
}

/** A resource with a resource-based policy (a key, queue, topic, secret policy or repository policy), declared beside the bucket. */
const withPolicy = (type: string, name: string, statements: (s: StackExport) => Record<string, unknown>[], arnOf: (s: StackExport) => string) => (s: StackExport) =>
    declare(s, "artifacts-revisions", type, name, { policy: JSON.stringify({ Version: "2012-10-17", Statement: statements(s) }) }, {}, { arn: arnOf(s) });
const KEY = (s: StackExport) => arn(s, "kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab");
const TOPIC = (s: StackExport) => arn(s, "sns", `bluegreen-${stackOf(s)}-alarms`);
const QUEUE = (s: StackExport) => arn(s, "sqs", `bluegreen-${stackOf(s)}-events`);
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

const CIPHER = { [SIG_KEY]: SECRET_SIG, ciphertext: "AAABAGQ2ZjYzNjYxMzIzNzM0NjI2MzM1MzQ2NDMz" };

const harmful: Record<string, Case[]> = {
    "IAM reach on other services and ARN shapes": [
        ["secrets under a name prefix", toInstanceRole((s) => [allow("secretsmanager:GetSecretValue", arn(s, "secretsmanager", `secret:bluegreen/${stackOf(s)}/*`))]), "iam-no-wildcard-resources"],
        ["a parameter name with a ? wildcard", toInstanceRole((s) => [allow("ssm:GetParameters", arn(s, "ssm", `parameter/bluegreen/${stackOf(s)}/db-passwor?`))]), "iam-no-wildcard-resources"],
        ["every KMS key", toInstanceRole((s) => [allow("kms:Decrypt", arn(s, "kms", "key/*"))]), "iam-no-wildcard-resources"],
        ["every KMS key used through S3 (kms:ViaService)", toInstanceRole((s) => [allow("kms:Decrypt", arn(s, "kms", "key/*"), { StringEquals: { "kms:ViaService": `s3.${regionOf(s)}.amazonaws.com` } })]), "iam-no-wildcard-resources"],
        ["every symmetric KMS key (kms:KeySpec is an attribute, not a name)", toInstanceRole((s) => [allow("kms:Decrypt", arn(s, "kms", "key/*"), { StringEquals: { "kms:KeySpec": "SYMMETRIC_DEFAULT" } })]), "iam-no-wildcard-resources"],
        ["every KMS alias", toDeployRole((s) => [allow(["kms:UpdateAlias", "kms:DeleteAlias"], arn(s, "kms", "alias/*"))]), "iam-no-wildcard-resources"],
        ["every queue of the account", toDeployRole((s) => [allow("sqs:SendMessage", arn(s, "sqs", "*"))]), "iam-no-wildcard-resources"],
        ["topics named by prefix", toDeployRole((s) => [allow("sns:Publish", arn(s, "sns", "bluegreen-*"))]), "iam-no-wildcard-resources"],
        ["every index of every table", toInstanceRole((s) => [allow("dynamodb:Query", arn(s, "dynamodb", "table/*/index/*"))]), "iam-no-wildcard-resources"],
        ["a table in another region", toInstanceRole((s) => [allow("dynamodb:PutItem", arn(s, "dynamodb", "table/bluegreen-sessions").replace(regionOf(s), "us-east-1"))]), "iam-no-wildcard-resources"],
        ["functions named by prefix", toDeployRole((s) => [allow("lambda:InvokeFunction", arn(s, "lambda", "function:bluegreen-*"))]), "iam-no-wildcard-resources"],
        ["log groups nested under this stack's log group name", toInstanceRole((s) => [allow("logs:PutLogEvents", `${logGroupArn(s)}/*`)]), "iam-no-wildcard-resources"],
        ["reading every log group's events (a Get read is not a Describe)", toInstanceRole(() => [allow(["logs:GetLogEvents", "logs:FilterLogEvents"], "*")]), "iam-no-wildcard-resources"],
        ["deleting every log group", toDeployRole((s) => [allow("logs:DeleteLogGroup", arn(s, "logs", "log-group:*"))]), "iam-no-wildcard-resources"],
        ["pushing to every ECR repository", toDeployRole((s) => [allow(["ecr:PutImage", "ecr:InitiateLayerUpload"], arn(s, "ecr", "repository/*"))]), "iam-no-wildcard-resources"],
        ["access keys of ${aws:username} (a policy variable spans names)", toDeployRole(() => [allow("iam:CreateAccessKey", `arn:aws:iam::${ACCOUNT}:user/\${aws:username}`)]), "iam-no-wildcard-resources"],
        ["a bucket named after ${aws:userid} (a caller-chosen session name)", toDeployRole(() => [allow("s3:PutObject", "arn:aws:s3:::bluegreen-${aws:userid}/*")]), "iam-no-wildcard-resources"],
        ["PassRole on a named role that is not this stack's", toCodeDeployRole(() => [allow("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/ops-admin`, { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } })]), "iam-no-wildcard-resources"],
        ["assuming the organization's admin role", toDeployRole(() => [allow("sts:AssumeRole", `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`)]), "iam-no-wildcard-resources"],
        ["deploying to the other stack's deployment group", toDeployRole((s) => [allow("codedeploy:CreateDeployment", arn(s, "codedeploy", `deploymentgroup:bluegreen-${otherStack(s)}/blue`))]), "iam-no-wildcard-resources"],
        ["writing a revision object into another stack's bucket", toDeployRole((s) => [allow("s3:PutObject", `arn:aws:s3:::${bucketOf(s).replace(stackOf(s), otherStack(s))}/revisions/app.zip`)]), "iam-no-wildcard-resources"],
        ["S3 writes under revisions/ of every bucket of the account (s3:ResourceAccount is request-wide)", toDeployRole(() => [allow("s3:PutObject", "arn:aws:s3:::*/revisions/*", { StringEquals: { "s3:ResourceAccount": ACCOUNT } })]), "iam-no-wildcard-resources"],
        ["Auto Scaling groups named by prefix (UUID and name wildcards)", toDeployRole((s) => [allow("autoscaling:UpdateAutoScalingGroup", arn(s, "autoscaling", "autoScalingGroup:*:autoScalingGroupName/bluegreen-*"))]), "iam-no-wildcard-resources"],
        ["an Auto Scaling group of another stack by name", toDeployRole((s) => [allow("autoscaling:UpdateAutoScalingGroup", arn(s, "autoscaling", `autoScalingGroup:*:autoScalingGroupName/${asgName(s).replace(stackOf(s), otherStack(s))}`))]), "iam-no-wildcard-resources"],
        ["every listener of the load balancer", toDeployRole((s) => [allow("elasticloadbalancing:ModifyListener", arnOf(s, "lb-production").replace(/[^/]+$/, "*"))]), "iam-no-wildcard-resources"],
        ["terminating instances of one type (an attribute, not a name)", toDeployRole((s) => [allow("ec2:TerminateInstances", arn(s, "ec2", "instance/*"), { StringEquals: { "ec2:InstanceType": "t3.small" } })]), "iam-no-wildcard-resources"],
        ["terminating every instance in the region (ec2:Region)", toDeployRole((s) => [allow("ec2:TerminateInstances", "*", { StringEquals: { "ec2:Region": regionOf(s) } })]), "iam-no-wildcard-resources"],
        ["tagging anything in the region (ec2:Region is request-wide)", toCodeDeployRole((s) => [allow("ec2:CreateTags", "*", { StringEquals: { "ec2:Region": regionOf(s) } })]), "iam-no-wildcard-resources"],
        ["tagging every instance with given tag keys (aws:TagKeys)", toCodeDeployRole((s) => [allow("ec2:CreateTags", arn(s, "ec2", "instance/*"), { "ForAnyValue:StringEquals": { "aws:TagKeys": ["Release"] } })]), "iam-no-wildcard-resources"],
        ["a tag condition under a negated operator", toDeployRole((s) => [allow("ec2:TerminateInstances", arn(s, "ec2", "instance/*"), { StringNotEquals: { "aws:ResourceTag/Stack": otherStack(s) } })]), "iam-no-wildcard-resources"],
        ["a tag condition with a wildcard value", toDeployRole((s) => [allow("ec2:TerminateInstances", arn(s, "ec2", "instance/*"), { StringLike: { "ec2:ResourceTag/Stack": "*" } })]), "iam-no-wildcard-resources"],
        ["a tag condition that only asks for the tag to exist (Null)", toDeployRole((s) => [allow("ec2:TerminateInstances", arn(s, "ec2", "instance/*"), { Null: { "aws:ResourceTag/Stack": "false" } })]), "iam-no-wildcard-resources"],
        ["launching from any launch template (ArnLike wildcard)", toCodeDeployRole((s) => [allow("ec2:RunInstances", arn(s, "ec2", "instance/*"), { ArnLike: { "ec2:LaunchTemplate": arn(s, "ec2", "launch-template/*") } })]), "iam-no-wildcard-resources"],
        ["launching from a launch template that is not this stack's", toCodeDeployRole((s) => [allow("ec2:RunInstances", arn(s, "ec2", "instance/*"), { ArnEquals: { "ec2:LaunchTemplate": arn(s, "ec2", "launch-template/lt-0aaaaaaaaaaaaaaaa") } })]), "iam-no-wildcard-resources"],
        ["secret values of any version stage (secretsmanager:VersionStage)", toInstanceRole(() => [allow("secretsmanager:GetSecretValue", "*", { StringEquals: { "secretsmanager:VersionStage": "AWSCURRENT" } })]), "iam-no-wildcard-resources"],
        ["this stack's log group and every other in one Resource list", toInstanceRole((s) => [allow("logs:PutLogEvents", [`${logGroupArn(s)}:*`, arn(s, "logs", "log-group:*")])]), "iam-no-wildcard-resources"],
        ["metrics in every namespace but one (negated)", toInstanceRole(() => [allow("cloudwatch:PutMetricData", "*", { StringNotEquals: { "cloudwatch:namespace": "AWS/EC2" } })]), "iam-no-wildcard-resources"],
        ["metrics under ForAllValues (true without a namespace)", toInstanceRole(() => [allow("cloudwatch:PutMetricData", "*", { "ForAllValues:StringEquals": { "cloudwatch:namespace": "bluegreen" } })]), "iam-no-wildcard-resources"],
        ["roles under this stack's role name used as a path (roles have no children)", toDeployRole((s) => [allow("sts:AssumeRole", `${arnOf(s, "instance-role")}/*`)]), "iam-no-wildcard-resources"],
        ["an inline policy of the role itself (Role.inlinePolicies)", (s) => edit(s, "instance-role", (p) => (p.inlinePolicies = [{ name: "extra", policy: JSON.stringify({ Version: "2012-10-17", Statement: [allow("ssm:GetParameter", arn(s, "ssm", "parameter/*"))] }) }])), "iam-no-wildcard-resources"],
    ],
    "OIDC trust conditions read with their operators": [
        ["a sub naming the main branch of another project", pinnedTrust({ StringEquals: { ...AUD, "gitlab.com:sub": "project_path:someone/fork:ref_type:branch:ref:main" } }), "iam-trust-policy"],
        ["a sub naming a tag called main (anyone may push tags)", pinnedTrust({ StringEquals: { ...AUD, "gitlab.com:sub": "project_path:platform/bluegreen:ref_type:tag:ref:main" } }), "iam-trust-policy"],
        ["a sub compared ignoring case (branch Main is another branch)", pinnedTrust({ StringEquals: AUD, StringEqualsIgnoreCase: { "gitlab.com:sub": SUB } }), "iam-trust-policy"],
        ["a sub under ForAllValues:StringLike", pinnedTrust({ StringEquals: AUD, "ForAllValues:StringLike": { "gitlab.com:sub": SUB } }), "iam-trust-policy"],
        ["several sub values of which one is wild", pinnedTrust({ StringEquals: AUD, StringLike: { "gitlab.com:sub": [SUB, "project_path:platform/bluegreen:ref_type:branch:ref:*"] } }), "iam-trust-policy"],
        ["several exact sub values of which one is an unprotected branch", pinnedTrust({ StringEquals: { ...AUD, "gitlab.com:sub": [SUB, "project_path:platform/bluegreen:ref_type:branch:ref:develop"] } }), "iam-trust-policy"],
        ["a sub only under StringNotLike", pinnedTrust({ StringEquals: AUD, StringNotLike: { "gitlab.com:sub": "*:ref:feature-*" } }), "iam-trust-policy"],
        ["a sub that must merely exist (Null)", pinnedTrust({ StringEquals: AUD, Null: { "gitlab.com:sub": "false" } }), "iam-trust-policy"],
        ["an audience under StringEqualsIfExists", pinnedTrust({ StringEqualsIfExists: AUD, StringEquals: { "gitlab.com:sub": SUB } }), "iam-trust-policy"],
        ["conditions on a self-managed GitLab's claims for gitlab.com's provider", pinnedTrust({ StringEquals: { "gitlab.example.com:aud": "https://gitlab.example.com", "gitlab.example.com:sub": SUB } }), "iam-trust-policy"],
        ["a sub with a trailing wildcard after the protected ref", pinnedTrust({ StringEquals: AUD, StringLike: { "gitlab.com:sub": `${SUB}*` } }), "iam-trust-policy"],
        ["a GitHub repository that is not this project", roleTrusting({ Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com", "token.actions.githubusercontent.com:sub": "repo:someone/fork:ref:refs/heads/main" } } }), "iam-trust-policy"],
        ["another account by bare id", roleTrusting({ Principal: { AWS: OTHER_ACCOUNT }, Action: "sts:AssumeRole" }), "iam-trust-policy"],
        ["everyone in the organization (aws:PrincipalOrgID spans accounts)", roleTrusting({ Principal: "*", Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } }), "iam-trust-policy"],
        ["everyone who knows an external id", roleTrusting({ Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "sts:ExternalId": "bluegreen" } } }), "iam-trust-policy"],
        ["everyone, narrowed to this account only under ...IfExists", roleTrusting({ Principal: "*", Action: "sts:AssumeRole", Condition: { StringEqualsIfExists: { "aws:PrincipalAccount": ACCOUNT } } }), "iam-trust-policy"],
    ],
    "bucket policies judged as grants": [
        ["a list of principals with one of another account", grant((s) => ({ Principal: { AWS: [arnOf(s, "gitlab-deploy-role"), `arn:aws:iam::${OTHER_ACCOUNT}:root`] }, Action: "s3:GetObject", Resource: objects(s) })), "storage-bucket-policy-grants"],
        ["a canonical user", grant((s) => ({ Principal: { CanonicalUser: "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be" }, Action: "s3:GetObject", Resource: objects(s) })), "storage-bucket-policy-grants"],
        ["everyone in the organization", grant((s) => ({ Principal: "*", Action: "s3:GetObject", Resource: objects(s), Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } })), "storage-bucket-policy-grants"],
        ["everyone, narrowed only under ...IfExists", grant((s) => ({ Principal: "*", Action: "s3:GetObject", Resource: objects(s), Condition: { StringEqualsIfExists: { "aws:PrincipalAccount": ACCOUNT } } })), "storage-bucket-policy-grants"],
        ["everyone but one other account (negated)", grant((s) => ({ Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: objects(s), Condition: { StringNotEquals: { "aws:PrincipalAccount": OTHER_ACCOUNT } } })), "storage-bucket-policy-grants"],
        ["everyone from this account or another", grant((s) => ({ Principal: "*", Action: "s3:GetObject", Resource: objects(s), Condition: { StringEquals: { "aws:PrincipalAccount": [ACCOUNT, OTHER_ACCOUNT] } } })), "storage-bucket-policy-grants"],
        ["everyone narrowed by a pattern over accounts (aws:PrincipalArn with a wildcard account)", grant((s) => ({ Principal: "*", Action: "s3:GetObject", Resource: objects(s), Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/deployer" } } })), "storage-bucket-policy-grants"],
        ["everyone through a VPC endpoint", grant((s) => ({ Principal: "*", Action: "s3:GetObject", Resource: objects(s), Condition: { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } } })), "storage-bucket-policy-grants"],
        ["a service without a source account (confused deputy)", grant((s) => ({ Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: objects(s) })), "storage-bucket-policy-grants"],
        ["a service whose source ARN may be in any account", grant((s) => ({ Principal: { Service: "delivery.logs.amazonaws.com" }, Action: "s3:PutObject", Resource: objects(s), Condition: { ArnLike: { "aws:SourceArn": `arn:aws:logs:${regionOf(s)}:*:*` } } })), "storage-bucket-policy-grants"],
        ["an assumed-role session of another account", grant((s) => ({ Principal: { AWS: `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/ci/session` }, Action: "s3:PutObject", Resource: objects(s) })), "storage-bucket-policy-grants"],
        ["a grant in the bucket's own policy property", (s) => edit(s, "artifacts-revisions", (p) => (p.policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: objects(s) }] }))), "storage-bucket-policy-grants"],
        ["a second bucket policy for the bucket (AWS keeps one policy per bucket)", (s) => {
            const bucket = resource(s, "artifacts-revisions");
            declare(s, "artifacts-tls-only", "aws:s3/bucketPolicy:BucketPolicy", "artifacts-readers", { bucket: bucket.outputs.bucket, policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: arnOf(s, "instance-role") }, Action: "s3:GetObject", Resource: objects(s) }] }) }, { bucket: [bucket] });
        }, "storage-bucket-protection"],
        ["a second public access block that turns the block off (S3 keeps one per bucket)", (s) => {
            const bucket = resource(s, "artifacts-revisions");
            declare(s, "artifacts-public-access-block", "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "artifacts-pab-open", { bucket: bucket.outputs.bucket, blockPublicAcls: false, blockPublicPolicy: false, ignorePublicAcls: false, restrictPublicBuckets: false }, { bucket: [bucket] });
        }, "storage-bucket-protection"],
        ["a second versioning resource that suspends versioning", (s) => {
            const bucket = resource(s, "artifacts-revisions");
            declare(s, "artifacts-versioning", "aws:s3/bucketVersioning:BucketVersioning", "artifacts-versioning-off", { bucket: bucket.outputs.bucket, versioningConfiguration: { status: "Suspended" } }, { bucket: [bucket] });
        }, "storage-bucket-protection"],
        ["a TLS deny covering only the revisions/ objects", tlsDeny((st, s) => (st.Resource = [`arn:aws:s3:::${bucketOf(s)}`, `arn:aws:s3:::${bucketOf(s)}/revisions/*`])), "storage-bucket-protection"],
        ["a TLS deny for every role only (a wildcard principal ARN)", tlsDeny((st) => (st.Principal = { AWS: "arn:aws:iam::*:role/*" })), "storage-bucket-protection"],
        ["a TLS deny for a service principal only", tlsDeny((st) => (st.Principal = { Service: "codedeploy.amazonaws.com" })), "storage-bucket-protection"],
        ["a TLS deny that exempts role sessions (aws:userid)", tlsDeny((st) => (st.Condition.StringNotLike = { "aws:userid": "AROA*" })), "storage-bucket-protection"],
        ["a TLS-version deny instead of a TLS deny", tlsDeny((st) => (st.Condition = { NumericLessThan: { "s3:TlsVersion": "1.2" } })), "storage-bucket-protection"],
        ["a TLS deny of reads and writes only", tlsDeny((st) => (st.Action = ["s3:GetObject", "s3:PutObject"])), "storage-bucket-protection"],
    ],
    "resource policies of keys, queues, topics, secrets and repositories judged as grants": [
        ["a key policy letting another account decrypt", withPolicy("aws:kms/key:Key", "artifacts-key", () => [{ Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" }, { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` }, Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: "*" }], KEY), "iam-resource-policy-grants"],
        ["a key policy giving a role of this account every KMS action (not a delegation to the account)", withPolicy("aws:kms/key:Key", "artifacts-key", (s) => [{ Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" }, { Effect: "Allow", Principal: { AWS: arnOf(s, "gitlab-deploy-role") }, Action: "kms:*", Resource: "*" }], KEY), "iam-no-wildcard-actions"],
        ["a queue anyone may send to", withPolicy("aws:sqs/queuePolicy:QueuePolicy", "events-policy", (s) => [{ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: QUEUE(s) }], QUEUE), "iam-resource-policy-grants"],
        ["a topic CloudWatch may publish to for any account", withPolicy("aws:sns/topicPolicy:TopicPolicy", "alarms-policy", (s) => [{ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: TOPIC(s) }], TOPIC), "iam-resource-policy-grants"],
        ["a secret another account may read", withPolicy("aws:secretsmanager/secretPolicy:SecretPolicy", "db-secret-policy", () => [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:role/reader` }, Action: "secretsmanager:GetSecretValue", Resource: "*" }], (s) => arn(s, "secretsmanager", "secret:bluegreen/db-AbCdEf")), "iam-resource-policy-grants"],
        ["a repository anyone may pull from", withPolicy("aws:ecr/repositoryPolicy:RepositoryPolicy", "app-repo-policy", () => [{ Effect: "Allow", Principal: "*", Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"] }], (s) => arn(s, "ecr", "repository/bluegreen")), "iam-resource-policy-grants"],
    ],
    "managed-policy attachments judged by the ARN they carry": [
        ["AmazonS3FullAccess interpolated from a config value", attachment("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "instance-extra", (s) => ({ role: resource(s, "instance-role").outputs.name, policyArn: `arn:aws:iam::aws:policy/${"AmazonS3FullAccess"}` })), "iam-no-broad-managed-policies"],
        ["ReadOnlyAccess (not on the allow list)", attachment("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "instance-readonly", (s) => ({ role: resource(s, "instance-role").outputs.name, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })), "iam-no-broad-managed-policies"],
        ["AdministratorAccess among exclusive attachments", attachment("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "instance-exclusive", (s) => ({ roleName: resource(s, "instance-role").outputs.name, policyArns: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/AdministratorAccess"] })), "iam-no-broad-managed-policies"],
        ["a power-user policy in Role.managedPolicyArns", (s) => edit(s, "gitlab-deploy-role", (p) => (p.managedPolicyArns = ["arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser"])), "iam-no-broad-managed-policies"],
        ["the CodeDeploy service-role policy also on the instance role (PolicyAttachment)", attachment("aws:iam/policyAttachment:PolicyAttachment", "codedeploy-everywhere", (s) => ({ roles: [resource(s, "codedeploy-role").outputs.name, resource(s, "instance-role").outputs.name], policyArn: "arn:aws:iam::aws:policy/service-role/AWSCodeDeployRole" })), "iam-no-broad-managed-policies"],
        ["a customer managed policy of another account", (s) => attach(s, "instance-ssm-core", "policyArn", `arn:aws:iam::${OTHER_ACCOUNT}:policy/SharedReadOnly`), "iam-no-broad-managed-policies"],
        ["a job-function policy read with Policy.get", (s) => {
            const read = readPolicy(s, "sysadmin", "arn:aws:iam::aws:policy/job-function/SystemAdministrator");
            attach(s, "instance-ssm-core", "policyArn", read.outputs.arn, [read]);
        }, "iam-no-broad-managed-policies"],
        ["an account policy read with Policy.get whose document allows everything", (s) => {
            const read = readPolicy(s, "ops", `arn:aws:iam::${ACCOUNT}:policy/ops`, { policy: JSON.stringify({ Version: "2012-10-17", Statement: [allow("*", "*")] }) });
            attach(s, "instance-ssm-core", "policyArn", read.outputs.arn, [read]);
        }, "iam-no-broad-managed-policies"],
    ],
    "ingress judged as the union of a group's CIDRs": [
        ["SSH open to three CIDRs that cover IPv4", (s) => ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/1"].forEach((c, i) => ingress("instances-sg", `ssh-${i}`, { ...ports(22), cidrIpv4: c })(s)), "compute-no-public-ingress"],
        ["all protocols open to two halves of IPv4", (s) => ["0.0.0.0/1", "128.0.0.0/1"].forEach((c, i) => ingress("instances-sg", `all-${i}`, { ipProtocol: "-1", cidrIpv4: c })(s)), "compute-no-public-ingress"],
        ["a port range on the load balancer that includes the test port", ingress("lb-alb-sg", "alt-ports", { fromPort: 8000, toPort: 9000, cidrIpv4: "0.0.0.0/0" }), "compute-no-public-ingress"],
        ["all traffic to the load balancer", ingress("lb-alb-sg", "everything", { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" }), "compute-no-public-ingress"],
        ["UDP 443 on the load balancer", ingress("lb-alb-sg", "quic", { ipProtocol: "udp", ...ports(443), cidrIpv4: "0.0.0.0/0" }), "compute-no-public-ingress"],
        ["HTTP on the instances from all of IPv6", ingress("instances-sg", "v6-http", { ...ports(80), cidrIpv6: "::/0" }), "compute-no-public-ingress"],
        ["SSH from the IPv6 global unicast block", ingress("instances-sg", "v6-ssh", { ...ports(22), cidrIpv6: "2000::/3" }), "compute-no-public-ingress"],
        ["RDP through a legacy rule with a protocol number", (s) => {
            const sg = resource(s, "instances-sg");
            declare(s, "instances-sg", "aws:ec2/securityGroupRule:SecurityGroupRule", "rdp", { type: "ingress", securityGroupId: sg.outputs.id, protocol: "6", ...ports(3389), cidrBlocks: ["0.0.0.0/0"] }, { securityGroupId: [sg] });
        }, "compute-no-public-ingress"],
        ["all traffic through a legacy rule with protocol all", (s) => {
            const sg = resource(s, "instances-sg");
            declare(s, "instances-sg", "aws:ec2/securityGroupRule:SecurityGroupRule", "any", { type: "ingress", securityGroupId: sg.outputs.id, protocol: "all", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"] }, { securityGroupId: [sg] });
        }, "compute-no-public-ingress"],
        ["a new group whose inline rules cover IPv6 in halves", (s) => declare(s, "instances-sg", "aws:ec2/securityGroup:SecurityGroup", "debug-sg", { vpcId: resource(s, "instances-sg").outputs.vpcId, ingress: [{ protocol: "tcp", fromPort: 9229, toPort: 9229, ipv6CidrBlocks: ["::/1", "8000::/1"], cidrBlocks: [] }] }), "compute-no-public-ingress"],
        ["a managed prefix list of this stack that holds 0.0.0.0/0", (s) => {
            const list = declare(s, "instances-sg", "aws:ec2/managedPrefixList:ManagedPrefixList", "office", { addressFamily: "IPv4", maxEntries: 5, name: "office", entries: [{ cidr: "0.0.0.0/0", description: "temporary" }] }, {}, { arn: arn(s, "ec2", "prefix-list/pl-0123456789abcdef0") });
            const sg = resource(s, "instances-sg");
            declare(s, "lb-alb-in-80", "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "office-ssh", { securityGroupId: sg.outputs.id, ipProtocol: "tcp", ...ports(22), prefixListId: `${"office"}-id` }, { securityGroupId: [sg], prefixListId: [list] });
        }, "compute-no-public-ingress"],
        ["the load balancer's group also attached to the instances", (s) => {
            for (const color of ["blue", "green"]) edit(s, `instances-${color}-lt`, (p) => (p.vpcSecurityGroupIds = [resource(s, "instances-sg").outputs.id, resource(s, "lb-alb-sg").outputs.id]));
        }, "compute-no-public-ingress"],
    ],
    "blue/green parity by what the target groups are": [
        ["a third (canary) group behind the production listener with another health-check path", (s) => {
            thirdGroup(s, "lb-canary", (p) => (p.healthCheck = { ...p.healthCheck, path: "/health" }));
            forwardTo(s, "lb-production", ["lb-blue", "lb-green", "lb-canary"]);
        }, "lb-blue-green-parity"],
        ["a health check on another port", editGroup("lb-green", (p) => (p.healthCheck.port = "8080")), "lb-blue-green-parity"],
        ["a health check over HTTPS on one color", editGroup("lb-green", (p) => (p.healthCheck.protocol = "HTTPS")), "lb-blue-green-parity"],
        ["HTTP/2 to the targets of one color", editGroup("lb-green", (p) => (p.protocolVersion = "HTTP2")), "lb-blue-green-parity"],
        ["another target port on one color", editGroup("lb-green", (p) => (p.port = 8080)), "lb-blue-green-parity"],
        ["sticky sessions of another duration", (s) => {
            for (const [name, duration] of [["lb-blue", 3600], ["lb-green", 60]] as const) edit(s, name, (p) => (p.stickiness = { enabled: true, type: "lb_cookie", cookieDuration: duration }));
        }, "lb-blue-green-parity"],
        ["groups in a listener rule's weighted forward that drain differently", (s) => {
            const listener = resource(s, "lb-production");
            const [blue, green] = [resource(s, "lb-blue"), resource(s, "lb-green")];
            declare(s, "lb-production", "aws:lb/listenerRule:ListenerRule", "api-rule", { listenerArn: listener.outputs.arn, priority: 5, conditions: [{ pathPattern: { values: ["/api/*"] } }], actions: [{ type: "forward", forward: { targetGroups: [{ arn: blue.outputs.arn, weight: 50 }, { arn: green.outputs.arn, weight: 50 }] } }] }, { listenerArn: [listener], actions: [blue, green] });
            edit(s, "lb-green", (p) => (p.slowStart = 120));
        }, "lb-blue-green-parity"],
        ["untagged, renamed groups behind one host rule each that drain differently", (s) => {
            oneRulePerColor(s);
            for (const color of ["blue", "green"]) edit(s, `lb-${color}`, (p) => delete p.tags.Color);
            rename(s, "lb-blue", "web-a");
            rename(s, "lb-green", "web-b");
            edit(s, "web-b", (p) => (p.deregistrationDelay = 900));
        }, "lb-blue-green-parity"],
    ],
};

const correct: Good[] = [
    ["Describe and List calls on * (EC2, Auto Scaling, ELB, CodeDeploy)", toDeployRole(() => [allow(["ec2:Describe*", "autoscaling:Describe*", "elasticloadbalancing:Describe*", "codedeploy:List*"], "*")])],
    ["Read-level Describe and List calls on * (alarms, keys, tables, secrets' versions)", toDeployRole(() => [allow(["cloudwatch:Describe*", "kms:DescribeKey", "dynamodb:DescribeTable", "secretsmanager:List*", "logs:Describe*"], "*")])],
    ["sts:GetCallerIdentity on *", toDeployRole(() => [allow("sts:GetCallerIdentity", "*")])],
    ["log streams of this stack's log group (:log-stream:*)", toInstanceRole((s) => [allow(["logs:CreateLogStream", "logs:PutLogEvents"], `${logGroupArn(s)}:log-stream:*`)])],
    ["a KMS key of this stack whose key policy trusts this account's root on *", (s) => {
        const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Sid: "EnableIamPolicies", Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }] });
        declare(s, "artifacts-revisions", "aws:kms/key:Key", "artifacts-key", { description: "revisions", enableKeyRotation: true, policy }, {}, { arn: arn(s, "kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab") });
    }],
    ["a key policy letting this stack's instance role decrypt", withPolicy("aws:kms/key:Key", "artifacts-key", (s) => [{ Effect: "Allow", Principal: { AWS: ROOT }, Action: "kms:*", Resource: "*" }, { Effect: "Allow", Principal: { AWS: arnOf(s, "instance-role") }, Action: ["kms:Decrypt", "kms:DescribeKey"], Resource: "*" }], KEY)],
    ["a topic CloudWatch alarms of this account publish to (aws:SourceAccount)", withPolicy("aws:sns/topicPolicy:TopicPolicy", "alarms-policy", (s) => [{ Effect: "Allow", Principal: { Service: "cloudwatch.amazonaws.com" }, Action: "sns:Publish", Resource: TOPIC(s), Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } }], TOPIC)],
    ["a queue this stack's topic delivers to (aws:SourceArn)", withPolicy("aws:sqs/queuePolicy:QueuePolicy", "events-policy", (s) => [{ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: QUEUE(s), Condition: { ArnEquals: { "aws:SourceArn": TOPIC(s) } } }], QUEUE)],
    ["an Auto Scaling group of this stack named with the UUID wildcard", toDeployRole((s) => [allow("autoscaling:SetDesiredCapacity", arn(s, "autoscaling", `autoScalingGroup:*:autoScalingGroupName/${asgName(s)}`))])],
    ["a target group of this stack named with its id as a wildcard", toDeployRole((s) => [allow("elasticloadbalancing:ModifyTargetGroupAttributes", arn(s, "elasticloadbalancing", `targetgroup/${tgName(s)}/*`))])],
    ["instances narrowed by this stack's tag (ABAC)", toDeployRole((s) => [allow("ec2:RebootInstances", arn(s, "ec2", "instance/*"), { StringEquals: { "aws:ResourceTag/Stack": stackOf(s) } })])],
    ["Auto Scaling groups narrowed by the service's own tag key", toDeployRole((s) => [allow("autoscaling:SetDesiredCapacity", "*", { StringEquals: { "autoscaling:ResourceTag/Stack": stackOf(s) } })])],
    ["a named secret, parameter and key of this account (types the stack does not declare)", toInstanceRole((s) => [
        allow("secretsmanager:GetSecretValue", arn(s, "secretsmanager", `secret:bluegreen/${stackOf(s)}/db-AbCdEf`)),
        allow("ssm:GetParameter", arn(s, "ssm", `parameter/bluegreen/${stackOf(s)}/app-config`)),
        allow("kms:Decrypt", arn(s, "kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab"), { StringEquals: { "kms:ViaService": `secretsmanager.${regionOf(s)}.amazonaws.com` } }),
    ])],
    ["listing this stack's bucket under a prefix", toInstanceRole((s) => [allow("s3:ListBucket", `arn:aws:s3:::${bucketOf(s)}`, { StringLike: { "s3:prefix": "revisions/*" } })])],
    ["CloudFront reading objects for a distribution of this account (aws:SourceArn)", grant((s) => ({ Principal: { Service: "cloudfront.amazonaws.com" }, Action: "s3:GetObject", Resource: objects(s), Condition: { StringEquals: { "AWS:SourceArn": `arn:aws:cloudfront::${ACCOUNT}:distribution/E2QWRUHAPOMQZL` } } }))],
    ["a log-delivery service with this account as source", grant((s) => ({ Principal: { Service: "logging.s3.amazonaws.com" }, Action: "s3:PutObject", Resource: `${objects(s).slice(0, -1)}access-logs/*`, Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } }))],
    ["everyone narrowed to this account by aws:PrincipalAccount", grant((s) => ({ Principal: "*", Action: "s3:GetObject", Resource: objects(s), Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT } } }))],
    ["the TLS deny split in two statements (bucket, objects)", bucketPolicy((doc, s) => {
        const deny = doc.Statement.find((x: any) => x.Effect === "Deny");
        deny.Resource = `arn:aws:s3:::${bucketOf(s)}`;
        doc.Statement.push({ ...deny, Sid: "DenyInsecureObjects", Resource: objects(s) });
    })],
    ["the TLS deny written with {AWS: *} and BoolIfExists", tlsDeny((st) => {
        st.Principal = { AWS: "*" };
        st.Condition = { BoolIfExists: { "aws:SecureTransport": "false" } };
    })],
    ["a role that everyone of this account may assume (aws:PrincipalAccount)", roleTrusting({ Principal: "*", Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:PrincipalAccount": ACCOUNT } } })],
    ["a sub pinned by ForAnyValue:StringEquals (single-valued claim)", pinnedTrust({ StringEquals: AUD, "ForAnyValue:StringEquals": { "gitlab.com:sub": SUB } })],
    ["a sub pinned exactly and also tested by StringLike", pinnedTrust({ StringEquals: { ...AUD, "gitlab.com:sub": SUB }, StringLike: { "gitlab.com:sub": "project_path:platform/bluegreen:*" } })],
    ["a listener of this stack named with its load balancer's id as a wildcard", toDeployRole((s) => [allow("elasticloadbalancing:ModifyListener", arnOf(s, "lb-production").replace(/\/[^/]+\/([^/]+)$/, "/*/$1"))])],
    ["everyone narrowed to this account's roles by aws:PrincipalArn", grant((s) => ({ Principal: "*", Action: "s3:GetObject", Resource: objects(s), Condition: { ArnLike: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/*` } } }))],
    ["objects under a per-user prefix of this stack's bucket (a policy variable after a named bucket)", toInstanceRole((s) => [allow("s3:GetObject", `arn:aws:s3:::${bucketOf(s)}/home/\${aws:userid}/*`)])],
    ["color-tagged groups with per-color Name tags behind one host rule each", (s) => {
        oneRulePerColor(s);
        for (const color of ["blue", "green"]) edit(s, `lb-${color}`, (p) => (p.tags.Name = `bluegreen-${stackOf(s)}-${color}`));
    }],
];

describe("other cases of the issue's classes on realistic stack exports", () => {
    describeCases(harmful, correct);

    describe("secrets fail closed wherever a policy needs them", () => {
        const cases: [what: string, change: (s: StackExport) => void, where: string][] = [
            ["a role's inline policy (Role.inlinePolicies)", (s) => edit(s, "instance-role", (p) => (p.inlinePolicies = [{ name: "extra", policy: CIPHER }])), "instance-role"],
            ["a role's whole inlinePolicies list", (s) => edit(s, "instance-role", (p) => (p.inlinePolicies = CIPHER)), "instance-role"],
            ["a trust policy", (s) => edit(s, "gitlab-deploy-role", (p) => (p.assumeRolePolicy = CIPHER)), "gitlab-deploy-role"],
            ["a bucket policy", (s) => edit(s, "artifacts-tls-only", (p) => (p.policy = CIPHER)), "artifacts-tls-only"],
            ["a managed policy ARN", (s) => edit(s, "instance-ssm-core", (p) => (p.policyArn = CIPHER)), "instance-ssm-core"],
            ["an ingress CIDR", (s) => edit(s, "lb-alb-in-test-0", (p) => (p.cidrIpv4 = CIPHER)), "lb-alb-in-test-0"],
            ["a target group's health check", (s) => edit(s, "lb-green", (p) => (p.healthCheck = CIPHER)), "lb-green"],
            ["a target group setting from another resource on both colors (compared, not only read)", (s) => ["lb-blue", "lb-green"].forEach((g) => edit(s, g, (p) => (p.vpcId = CIPHER))), "lb-blue"],
            ["a role policy held as a secret in the outputs only", (s) => (resource(s, "gitlab-deploy-policy").outputs.policy = CIPHER), "gitlab-deploy-policy"],
        ];
        for (const stack of ["staging", "production"] as const) {
            for (const [what, change, where] of cases) {
                it(`${stack}: exits 2 naming ${where} when ${what} is ciphertext`, async () => {
                    const s = await stackExport(stack);
                    change(s);
                    const v = await gate(s);
                    expect(v.code, JSON.stringify(v.violations, null, 1)).to.equal(2);
                    expect(v.err).to.include("--show-secrets").and.include(where);
                });
            }
        }
    });
});
