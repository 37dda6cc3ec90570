/** The three roles of a stack: the instances', CodeDeploy's, and the GitLab release jobs'. */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { StackConfig } from "../config";
import { stackPrefix, stackTags } from "../naming";
import { type CodeDeployLaunchArgs, codeDeployLaunchPolicy, deployPolicy, type DeployPolicyArgs, ec2Trust, gitlabTrust, instancePolicy, type InstancePolicyArgs, serviceTrust, toJson } from "./documents";

export interface AccountContext {
    accountId: pulumi.Input<string>;
    /** `aws`, `aws-cn` or `aws-us-gov`: managed policy ARNs differ per partition. */
    partition: pulumi.Input<string>;
}

const managedPolicyArn = (ctx: AccountContext, name: string) => pulumi.interpolate`arn:${ctx.partition}:iam::aws:policy/${name}`;

/** The instance role and profile: SSM Session Manager (no SSH), revision reads, log shipping. */
export class InstanceIdentity extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;
    readonly instanceProfile: aws.iam.InstanceProfile;

    constructor(name: string, cfg: StackConfig, ctx: AccountContext, args: InstancePolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:iam:InstanceIdentity", name, {}, opts);
        const parent = { parent: this };
        this.role = new aws.iam.Role(`${name}-role`, { description: `${stackPrefix(cfg)} EC2 instances`, assumeRolePolicy: toJson(ec2Trust()), tags: stackTags(cfg) }, parent);
        new aws.iam.RolePolicyAttachment(`${name}-ssm-core`, { role: this.role.name, policyArn: managedPolicyArn(ctx, "AmazonSSMManagedInstanceCore") }, parent);
        new aws.iam.RolePolicy(`${name}-policy`, { role: this.role.id, policy: toJson(instancePolicy(args)) }, parent);
        this.instanceProfile = new aws.iam.InstanceProfile(`${name}-profile`, { role: this.role.name, tags: stackTags(cfg) }, parent);
        this.registerOutputs({ roleArn: this.role.arn });
    }
}

/** The role CodeDeploy assumes to drive in-place deployments on the color Auto Scaling groups. */
export class CodeDeployServiceRole extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;

    constructor(name: string, cfg: StackConfig, ctx: AccountContext, launch: Omit<CodeDeployLaunchArgs, "partition" | "accountId">, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:iam:CodeDeployServiceRole", name, {}, opts);
        this.role = new aws.iam.Role(
            `${name}-role`,
            { description: `${stackPrefix(cfg)} CodeDeploy service role`, assumeRolePolicy: toJson(serviceTrust("codedeploy.amazonaws.com", ctx.accountId)), tags: stackTags(cfg) },
            { parent: this },
        );
        // AWS's service-role policy: assumable only by CodeDeploy, allowed by the policy pack's
        // service-role allow list.
        new aws.iam.RolePolicyAttachment(`${name}-service-policy`, { role: this.role.name, policyArn: managedPolicyArn(ctx, "service-role/AWSCodeDeployRole") }, { parent: this });
        // The color groups launch from launch templates: see codeDeployLaunchPolicy.
        new aws.iam.RolePolicy(
            `${name}-launch-template-policy`,
            { role: this.role.id, policy: toJson(codeDeployLaunchPolicy({ ...launch, partition: ctx.partition, accountId: ctx.accountId })) },
            { parent: this },
        );
        this.registerOutputs({ roleArn: this.role.arn });
    }
}

/** The role GitLab release jobs assume through OIDC: pinned trust, this stack's ARNs only. */
export class GitLabDeployRole extends pulumi.ComponentResource {
    readonly role: aws.iam.Role;

    constructor(name: string, cfg: StackConfig, args: DeployPolicyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:iam:GitLabDeployRole", name, {}, opts);
        const parent = { parent: this };
        const issuerHost = new URL(cfg.gitlab.url).host;
        // An account holds one provider per issuer URL, so stacks sharing an account reference it.
        const providerArn =
            cfg.gitlab.oidcProviderArn ??
            new aws.iam.OpenIdConnectProvider(`${name}-gitlab-oidc`, { url: cfg.gitlab.url, clientIdLists: [cfg.gitlab.audience], tags: stackTags(cfg) }, parent).arn;
        this.role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `${stackPrefix(cfg)} GitLab release jobs (${cfg.gitlab.projectPath}@${cfg.gitlab.protectedRef})`,
                assumeRolePolicy: toJson(
                    gitlabTrust({ providerArn, issuerHost, audience: cfg.gitlab.audience, projectPath: cfg.gitlab.projectPath, protectedRef: cfg.gitlab.protectedRef }),
                ),
                maxSessionDuration: 3600,
                tags: stackTags(cfg),
            },
            parent,
        );
        new aws.iam.RolePolicy(`${name}-policy`, { role: this.role.id, policy: toJson(deployPolicy(args)) }, parent);
        this.registerOutputs({ roleArn: this.role.arn });
    }
}

