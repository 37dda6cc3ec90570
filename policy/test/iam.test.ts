import { expect } from "chai";
import { check, doc, findings, res, UNKNOWN } from "./harness";

const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const ACCOUNT = "123456789012";
const ec2Trust = doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
const inline = (statement: Record<string, unknown>) => res(ROLE_POLICY, "ci-policy", { role: "ci", policy: doc(statement) });

describe("iam-no-wildcard-actions", () => {
    const p = "iam-no-wildcard-actions";

    for (const action of ["*", "s3:*", "EC2:*"]) {
        it(`rejects Allow of ${action}`, async () => {
            const f = await findings(p, inline({ Effect: "Allow", Action: action, Resource: `arn:aws:s3:::bucket` }));
            expect(f).to.have.length(1);
            expect(f[0]).to.include(`"${action}"`);
        });
    }

    it("rejects a partial wildcard that expands to write actions, any letter case, array or string", async () => {
        const f = await findings(p, inline({ effect: "allow", action: ["s3:put*"], resource: "arn:aws:s3:::bucket/*" }));
        expect(f[0]).to.match(/"s3:put\*", which expands to \d+ write/);
        expect(f[0]).to.match(/s3:Put\w+/);
    });

    it("accepts read-only wildcards and exact actions, and ignores Deny", async () => {
        expect(await findings(p, inline({ Effect: "Allow", Action: ["ec2:Describe*", "s3:GetObject"], Resource: "arn:aws:s3:::b/*" }))).to.deep.equal([]);
        expect(await findings(p, inline({ Effect: "Deny", Action: "*", Resource: "*" }))).to.deep.equal([]);
    });

    it("rejects a wildcard that matches nothing in the IAM data (cannot prove read-only)", async () => {
        expect(await findings(p, inline({ Effect: "Allow", Action: "nosuchservice:Get*", Resource: "*" }))).to.have.length(1);
    });

    it("reads documents given as objects, on every identity-policy type and on Role.inlinePolicies", async () => {
        const object = { Statement: { Effect: "Allow", Action: "iam:*", Resource: "*" } };
        for (const type of [ROLE_POLICY, "aws:iam/policy:Policy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy"]) {
            expect(await findings(p, res(type, "x", { policy: object })), type).to.have.length(1);
        }
        const role = res(ROLE, "r", { assumeRolePolicy: ec2Trust, inlinePolicies: [{ name: "a", policy: JSON.stringify(object) }] });
        expect((await findings(p, role))[0]).to.match(/^inlinePolicies\[0\]\.policy Statement\[0\]/);
    });

    it("reports a document that is not valid JSON instead of passing it", async () => {
        expect((await findings(p, res(ROLE_POLICY, "x", { policy: "{not json" })))[0]).to.include("not valid JSON");
    });
});

describe("iam-no-wildcard-resources", () => {
    const p = "iam-no-wildcard-resources";

    it("rejects the seed inline policy: iam:PassRole, ec2:CreateTags, ec2:RunInstances on *", async () => {
        const f = await findings(p, inline({ Effect: "Allow", Action: ["iam:PassRole", "ec2:CreateTags", "ec2:RunInstances"], Resource: "*" }));
        expect(f).to.have.length(1);
        for (const a of ["iam:PassRole", "ec2:CreateTags", "ec2:RunInstances"]) expect(f[0]).to.include(a);
    });

    it("during preview, leaves a literal ARN of a declared type to the advisory while the stack's own ARNs of that type are unknown", async () => {
        const known = res(ROLE, "ci", { assumeRolePolicy: ec2Trust, arn: `arn:aws:iam::${ACCOUNT}:role/ci` });
        const creating = res(ROLE, "app", { assumeRolePolicy: ec2Trust, name: "app", arn: UNKNOWN });
        const passApp = res(ROLE_POLICY, "pass", { role: "ci", policy: doc({ Effect: "Allow", Action: "iam:PassRole", Resource: `arn:aws:iam::${ACCOUNT}:role/app` }) });
        const v = await check(p, [known, creating, passApp]);
        expect(v.map((x) => x.enforcementLevel)).to.deep.equal(["advisory"]);
        expect(v[0].message).to.include("can't run");
        // Once the ARNs are known, another role than the stack's is a finding.
        const other = res(ROLE_POLICY, "pass", { role: "ci", policy: doc({ Effect: "Allow", Action: "iam:PassRole", Resource: `arn:aws:iam::${ACCOUNT}:role/admin` }) });
        expect((await findings(p, [known, other]))[0]).to.include("names a role that is not this stack's");
    });

    it("rejects the seed 'least privilege' CI policy: elasticloadbalancing:ModifyListener on *", async () => {
        const f = await findings(p, inline({ Sid: "Switch", Effect: "Allow", Action: "elasticloadbalancing:ModifyListener", Resource: "*" }));
        expect(f[0]).to.include('Statement[0] ("Switch")').and.include("elasticloadbalancing:ModifyListener");
    });

    it("rejects the seed CI policy whose CodeDeploy ARNs use * for region and account", async () => {
        const f = await findings(
            p,
            inline({ Effect: "Allow", Action: ["codedeploy:CreateDeployment"], Resource: ["arn:aws:codedeploy:*:*:deploymentgroup:app/blue"] }),
        );
        expect(f).to.have.length(1);
        const regionOnly = await findings(p, inline({ Effect: "Allow", Action: "codedeploy:GetDeployment", Resource: `arn:aws:codedeploy:*:${ACCOUNT}:*` }));
        expect(regionOnly).to.have.length(1);
    });

    it("accepts actions AWS only allows on * and exact ARNs for the rest", async () => {
        expect(
            await findings(p, inline({ Effect: "Allow", Action: ["ec2:DescribeInstances", "autoscaling:DescribeAutoScalingGroups", "elasticloadbalancing:DescribeTargetHealth"], Resource: "*" })),
        ).to.deep.equal([]);
        const listener = `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/alb/abc/def`;
        expect(await findings(p, inline({ Effect: "Allow", Action: "elasticloadbalancing:ModifyListener", Resource: listener }))).to.deep.equal([]);
        // Global services leave region (and S3 account) empty: that is not a wildcard. Objects under
        // a bucket the stack declares are the stack's.
        const bucket = res("aws:s3/bucket:Bucket", "b", { bucket: "bucket", arn: "arn:aws:s3:::bucket" });
        expect(await findings(p, [bucket, inline({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/*" })])).to.deep.equal([]);
        expect(await findings(p, inline({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::bucket/*" }))).to.have.length(1);
    });

    it("rejects an ARN that is all wildcards after the account (every bucket of every account)", async () => {
        expect(await findings(p, inline({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::*/*" }))).to.have.length(1);
    });

    it("rejects a read wildcard on * when some expanded action supports resource-level permissions", async () => {
        expect(await findings(p, inline({ Effect: "Allow", Action: "s3:Get*", Resource: "*" }))).to.have.length(1);
    });
});

describe("iam-no-wildcard-resources: the general mechanism on other services", () => {
    const p = "iam-no-wildcard-resources";
    const REGION = "eu-west-1";
    // A stack that names a queue, a table and a key: its ARNs are what it declares.
    const queue = res("aws:sqs/queue:Queue", "jobs", { arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:jobs` });
    const table = res("aws:dynamodb/table:Table", "state", { arn: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/state` });
    const key = res("aws:kms/key:Key", "key", { arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab` });
    const stack = [queue, table, key];
    const verdict = async (statement: Record<string, unknown>) => (await findings(p, [...stack, inline({ Effect: "Allow", ...statement })])).length;

    const overBroad: [string, Record<string, unknown>][] = [
        ["every queue", { Action: "sqs:SendMessage", Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:*` }],
        ["queues by prefix", { Action: "sqs:SendMessage", Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:job*` }],
        ["every table", { Action: ["dynamodb:PutItem"], Resource: `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/*` }],
        ["every key", { Action: "kms:Decrypt", Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*` }],
        ["a table of another account", { Action: "dynamodb:GetItem", Resource: `arn:aws:dynamodb:${REGION}:210987654321:table/state` }],
        ["a table of another region", { Action: "dynamodb:GetItem", Resource: `arn:aws:dynamodb:us-east-2:${ACCOUNT}:table/state` }],
        ["every Lambda function by a read wildcard", { Action: "lambda:Get*", Resource: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:*` }],
        ["a tag condition under a negated operator", { Action: "kms:Decrypt", Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`, Condition: { StringNotEquals: { "aws:ResourceTag/Stack": "other" } } }],
        ["a tag condition under ForAllValues", { Action: "kms:Decrypt", Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`, Condition: { "ForAllValues:StringEquals": { "aws:ResourceTag/Stack": "bluegreen" } } }],
    ];
    for (const [what, statement] of overBroad) it(`rejects ${what}`, async () => expect(await verdict(statement), what).to.equal(1));

    const fine: [string, Record<string, unknown>][] = [
        ["the stack's queue, table (and its indexes) and key", { Action: ["sqs:SendMessage", "dynamodb:Query", "kms:Decrypt"], Resource: [queue.inputs.arn, table.inputs.arn, `${table.inputs.arn}/index/*`, key.inputs.arn] }],
        ["keys narrowed by a resource tag AWS evaluates for keys", { Action: "kms:Decrypt", Resource: `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`, Condition: { StringEquals: { "aws:ResourceTag/Stack": "bluegreen" } } }],
        ["wildcard-only actions on *", { Action: ["sqs:ListQueues", "dynamodb:ListTables", "kms:ListKeys"], Resource: "*" }],
    ];
    for (const [what, statement] of fine) it(`accepts ${what}`, async () => expect(await verdict(statement), what).to.equal(0));
});

describe("iam-no-not-action-or-not-resource", () => {
    const p = "iam-no-not-action-or-not-resource";
    it("rejects NotAction and NotResource in Allow", async () => {
        expect(await findings(p, inline({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }))).to.have.length(1);
        expect((await findings(p, inline({ Effect: "Allow", Action: "s3:GetObject", NotResource: "arn:aws:s3:::x/*" })))[0]).to.include("NotResource");
    });
    it("accepts them in Deny", async () => {
        expect(await findings(p, inline({ Effect: "Deny", NotAction: "iam:*", NotResource: "*" }))).to.deep.equal([]);
    });
});

describe("iam-passrole-named-roles / iam-passrole-passed-to-service", () => {
    const roleArn = `arn:aws:iam::${ACCOUNT}:role/bluegreen-instance`;
    it("rejects the seed iam:PassRole on *, and role wildcards", async () => {
        expect(await findings("iam-passrole-named-roles", inline({ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }))).to.have.length(1);
        expect(await findings("iam-passrole-named-roles", inline({ Effect: "Allow", Action: "iam:Pass*", Resource: `arn:aws:iam::${ACCOUNT}:role/*` }))).to.have.length(1);
    });
    it("accepts named roles; warns (advisory) without iam:PassedToService", async () => {
        const bare = inline({ Effect: "Allow", Action: "iam:PassRole", Resource: roleArn });
        expect(await findings("iam-passrole-named-roles", bare)).to.deep.equal([]);
        const warn = await check("iam-passrole-passed-to-service", bare);
        expect(warn).to.have.length(1);
        expect(warn[0].enforcementLevel).to.equal("advisory");
        const pinned = inline({ Effect: "Allow", Action: "iam:PassRole", Resource: roleArn, Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } } });
        expect(await check("iam-passrole-passed-to-service", pinned)).to.deep.equal([]);
    });
});

describe("iam-no-broad-managed-policies", () => {
    const p = "iam-no-broad-managed-policies";
    const managed = (name: string) => `arn:aws:iam::aws:policy/${name}`;
    const ciRole = res(ROLE, "ci", { assumeRolePolicy: ec2Trust });

    const seeds = ["IAMFullAccess", "AmazonEC2FullAccess", "AmazonS3FullAccess", "CloudWatchLogsFullAccess", "ElasticLoadBalancingFullAccess", "AutoScalingFullAccess"];
    for (const name of seeds) {
        it(`rejects the seed ${name} attached to a CI or instance role, however attached`, async () => {
            const attachment = res(ATTACH, "att", { role: UNKNOWN, policyArn: managed(name) }, { role: [ciRole] });
            expect(await findings(p, [ciRole, attachment])).to.have.length(1);
            const onRole = res(ROLE, "instance", { assumeRolePolicy: ec2Trust, managedPolicyArns: [managed(name)] });
            expect(await findings(p, onRole)).to.have.length(1);
        });
    }

    it("covers policy, user, group and exclusive attachments", async () => {
        const admin = managed("AdministratorAccess");
        const attachments = [
            res("aws:iam/policyAttachment:PolicyAttachment", "pa", { policyArn: admin, users: ["bob"] }),
            res("aws:iam/userPolicyAttachment:UserPolicyAttachment", "ua", { user: "bob", policyArn: managed("PowerUserAccess") }),
            res("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "ga", { group: "ops", policyArn: admin }),
            res("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "ex", { roleName: "ci", policyArns: [admin] }),
        ];
        expect(await findings(p, attachments)).to.have.length(4);
    });

    it("applies the configurable deny and allow lists", async () => {
        const readOnly = res(ROLE, "r", { assumeRolePolicy: ec2Trust, managedPolicyArns: [managed("ReadOnlyAccess")] });
        expect(await findings(p, readOnly)).to.have.length(1);
        expect(await findings(p, readOnly, { config: { allowedPolicies: ["ReadOnlyAccess"] } })).to.deep.equal([]);
        const ssm = res(ROLE, "i", { assumeRolePolicy: ec2Trust, managedPolicyArns: [managed("AmazonSSMManagedInstanceCore"), managed("CloudWatchAgentServerPolicy")] });
        expect(await findings(p, ssm)).to.deep.equal([]);
        expect(await findings(p, ssm, { config: { deniedPolicies: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"] } })).to.have.length(1);
    });

    it("accepts AWSCodeDeployRole only on a role only CodeDeploy can assume", async () => {
        const codedeployTrust = doc({ Effect: "Allow", Principal: { Service: "codedeploy.amazonaws.com" }, Action: "sts:AssumeRole" });
        const service = res(ROLE, "codedeploy", { assumeRolePolicy: codedeployTrust });
        const arn = managed("service-role/AWSCodeDeployRole");
        expect(await findings(p, [service, res(ATTACH, "a", { role: UNKNOWN, policyArn: arn }, { role: [service] })])).to.deep.equal([]);
        // A literal role name relates the attachment too.
        const named = res(ROLE, "cd2", { name: "cd-role", assumeRolePolicy: codedeployTrust });
        expect(await findings(p, [named, res(ATTACH, "b", { role: "cd-role", policyArn: arn })])).to.deep.equal([]);
        expect(await findings(p, [ciRole, res(ATTACH, "c", { role: UNKNOWN, policyArn: arn }, { role: [ciRole] })])).to.have.length(1);
        expect(await findings(p, res(ATTACH, "d", { role: "somewhere-else", policyArn: arn }))).to.have.length(1);
    });

    it("leaves customer managed policies of the stack to the statement policies, even while unknown", async () => {
        const custom = res("aws:iam/policy:Policy", "custom", { policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }) });
        const att = res(ATTACH, "a", { role: UNKNOWN, policyArn: UNKNOWN }, { role: [ciRole], policyArn: [custom] });
        expect(await check(p, [ciRole, custom, att])).to.deep.equal([]);
    });
});

describe("iam-trust-policy", () => {
    const p = "iam-trust-policy";
    const oidc = "arn:aws:iam::123456789012:oidc-provider/gitlab.com";
    const webIdentity = (condition?: Record<string, unknown>) =>
        res(ROLE, "deploy", {
            assumeRolePolicy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Federated: oidc }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition }] },
        });

    it("rejects trust of * and {AWS: *}", async () => {
        expect(await findings(p, res(ROLE, "a", { assumeRolePolicy: doc({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }) }))).to.have.length(1);
        expect(await findings(p, res(ROLE, "b", { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: ["*"] }, Action: "sts:AssumeRole" }) }))).to.have.length(1);
        expect(await findings(p, res(ROLE, "c", { assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::*:root" }, Action: "sts:AssumeRole" }) }))).to.have.length(1);
    });

    it("rejects OIDC trust without aud, without sub, or with a sub that does not pin a project path", async () => {
        expect(await findings(p, webIdentity())).to.have.length(2);
        const aud = { "gitlab.com:aud": "https://gitlab.com" };
        for (const sub of ["*", "project_path:*", "project_path:group/*:ref_type:branch:ref:main"]) {
            expect(await findings(p, webIdentity({ StringEquals: aud, StringLike: { "gitlab.com:sub": sub } })), sub).to.have.length(1);
        }
    });

    it("accepts OIDC trust pinning audience and a protected branch of a trusted project, and plain service trust", async () => {
        const pinned = { StringEquals: { "gitlab.com:aud": "https://gitlab.com" }, StringLike: { "gitlab.com:sub": "project_path:acme/bluegreen:ref_type:branch:ref:main" } };
        expect(await findings(p, webIdentity(pinned), { config: { projectPaths: ["acme/bluegreen"] } })).to.deep.equal([]);
        expect(await findings(p, res(ROLE, "svc", { assumeRolePolicy: ec2Trust }))).to.deep.equal([]);
    });

    it("trusts no project by default, and reads protected tags as refs/tags/<name>", async () => {
        const pinned = (sub: string) => ({ StringEquals: { "gitlab.com:aud": "https://gitlab.com", "gitlab.com:sub": sub } });
        const branch = "project_path:acme/bluegreen:ref_type:branch:ref:main";
        expect((await findings(p, webIdentity(pinned(branch))))[0]).to.include("not in projectPaths (none configured)");
        const config = { projectPaths: ["acme/bluegreen"], protectedRefs: ["main", "refs/tags/v1"] };
        expect(await findings(p, webIdentity(pinned("project_path:acme/bluegreen:ref_type:tag:ref:v1")), { config })).to.deep.equal([]);
        expect((await findings(p, webIdentity(pinned("project_path:acme/bluegreen:ref_type:branch:ref:v1")), { config }))[0]).to.include("branch v1, which is not a protected ref");
    });
});
