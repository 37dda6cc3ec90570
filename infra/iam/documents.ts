/**
 * IAM policy documents as pure functions of the ARNs they name, so tests can read exactly what
 * each role may do. Every Allow names this stack's resources; `*` appears only on actions that
 * AWS authorizes on `*` alone (listed in DESCRIBE_ONLY_ACTIONS).
 */
import * as pulumi from "@pulumi/pulumi";

export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource?: pulumi.Input<string> | pulumi.Input<pulumi.Input<string>[]>;
    Principal?: unknown;
    Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

const document = (...statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/**
 * Read-only calls the release tool makes that AWS authorizes only on `*` (no resource types in the
 * Service Authorization Reference: list_amazonec2autoscaling.html has none for Describe*).
 */
export const DESCRIBE_ONLY_ACTIONS = [
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "codedeploy:ListDeploymentTargets",
    "codedeploy:BatchGetDeploymentTargets",
    "autoscaling:DescribeAutoScalingGroups",
    "autoscaling:DescribeScheduledActions",
    "autoscaling:DescribeInstanceRefreshes",
];

/**
 * Actions CodeDeploy checks on the caller of CreateDeployment beyond the call itself (it registers
 * the revision and reads the deployment config on the caller's behalf). The release tool never
 * calls these directly.
 */
export const CALLER_ACTIONS_IMPLIED_BY_CODEDEPLOY = [
    "codedeploy:RegisterApplicationRevision",
    "codedeploy:GetApplicationRevision",
    "codedeploy:GetDeploymentConfig",
];

/** Trust for an AWS service, limited to calls made on behalf of this account (confused deputy). */
export function serviceTrust(service: string, accountId: pulumi.Input<string>): PolicyDocument {
    return document({
        Sid: "ServiceAssumesRole",
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
    });
}

/** Trust for EC2 instances (instance profiles carry no source account). */
export function ec2Trust(): PolicyDocument {
    return document({ Sid: "Ec2AssumesRole", Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" });
}

export interface GitLabTrustArgs {
    providerArn: pulumi.Input<string>;
    /** The issuer host without scheme, e.g. gitlab.com: the prefix of the provider's condition keys. */
    issuerHost: string;
    audience: string;
    projectPath: string;
    protectedRef: string;
}

/** GitLab's `sub` claim for pipelines on a branch: project_path:<path>:ref_type:branch:ref:<ref>. */
export function gitlabSubject(projectPath: string, ref: string): string {
    return `project_path:${projectPath}:ref_type:branch:ref:${ref}`;
}

/** OIDC trust pinned to one audience and one project's protected branch: no wildcards. */
export function gitlabTrust(args: GitLabTrustArgs): PolicyDocument {
    return document({
        Sid: "GitLabProtectedBranchAssumesRole",
        Effect: "Allow",
        Principal: { Federated: args.providerArn },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
            StringEquals: {
                [`${args.issuerHost}:aud`]: args.audience,
                [`${args.issuerHost}:sub`]: gitlabSubject(args.projectPath, args.protectedRef),
            },
        },
    });
}

export interface InstancePolicyArgs {
    revisionObjectsArn: pulumi.Input<string>;
    logGroupArns: pulumi.Input<string>[];
}

/** What an instance needs beyond SSM: fetch revisions (CodeDeploy agent) and ship logs. */
export function instancePolicy(args: InstancePolicyArgs): PolicyDocument {
    return document(
        { Sid: "ReadRevisions", Effect: "Allow", Action: ["s3:GetObject", "s3:GetObjectVersion"], Resource: args.revisionObjectsArn },
        {
            Sid: "ShipLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: args.logGroupArns.map((arn) => pulumi.interpolate`${arn}:*`),
        },
    );
}

export interface CodeDeployLaunchArgs {
    partition: pulumi.Input<string>;
    region: string;
    accountId: pulumi.Input<string>;
    /** The two colors' launch templates. */
    launchTemplateIds: pulumi.Input<string>[];
    /** The subnets the color fleets launch into. */
    subnetIds: pulumi.Input<string[]>;
    /** The instances' security group. */
    securityGroupId: pulumi.Input<string>;
    /** The role of the instance profile the launch templates name. */
    instanceRoleArn: pulumi.Input<string>;
}

/**
 * What CodeDeploy's service role needs beyond AWSCodeDeployRole because the color Auto Scaling
 * groups launch from launch templates: exactly ec2:RunInstances, ec2:CreateTags and iam:PassRole
 * (codedeploy/latest/userguide/getting-started-create-service-role.html, the note for EC2/On-Premises
 * deployments; codedeploy/latest/userguide/troubleshooting-auto-scaling.html). Auto Scaling checks
 * them on whoever creates or updates a group that uses a launch template
 * (autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html).
 *
 * Scoped to this stack as far as EC2 allows: instances may only be run through this stack's two
 * templates (the ec2:LaunchTemplate condition key, which every resource RunInstances touches
 * carries: AWSEC2/latest/UserGuide/use-launch-templates-to-control-launching-instances.html), into
 * its fleet subnets with its instance security group; the AMI is whichever the template names (a
 * public AMI's ARN has no account). Tags only at launch (ec2:CreateAction = RunInstances:
 * AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html). PassRole only of the instance role,
 * and only to EC2.
 */
export function codeDeployLaunchPolicy(args: CodeDeployLaunchArgs): PolicyDocument {
    const ec2 = (resource: pulumi.Input<string>) => pulumi.interpolate`arn:${args.partition}:ec2:${args.region}:${args.accountId}:${resource}`;
    const templateArns = args.launchTemplateIds.map((id) => ec2(pulumi.interpolate`launch-template/${id}`));
    return document(
        {
            Sid: "LaunchFromThisStacksTemplates",
            Effect: "Allow",
            Action: "ec2:RunInstances",
            Resource: pulumi.output(args.subnetIds).apply((subnetIds) => [
                ...templateArns,
                pulumi.interpolate`arn:${args.partition}:ec2:${args.region}::image/*`,
                ec2("instance/*"),
                ec2("volume/*"),
                ec2("network-interface/*"),
                ec2(pulumi.interpolate`security-group/${args.securityGroupId}`),
                ...subnetIds.map((id) => ec2(`subnet/${id}`)),
            ]),
            Condition: { ArnEquals: { "ec2:LaunchTemplate": templateArns } },
        },
        {
            Sid: "TagInstancesAtLaunch",
            Effect: "Allow",
            Action: "ec2:CreateTags",
            Resource: [ec2("instance/*"), ec2("volume/*")],
            Condition: { StringEquals: { "ec2:CreateAction": "RunInstances" } },
        },
        {
            Sid: "PassInstanceRoleToEc2",
            Effect: "Allow",
            Action: "iam:PassRole",
            Resource: args.instanceRoleArn,
            Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        },
    );
}

export interface DeployPolicyArgs {
    revisionObjectsArn: pulumi.Input<string>;
    applicationArn: pulumi.Input<string>;
    deploymentGroupArns: pulumi.Input<string>[];
    deploymentConfigArn: pulumi.Input<string>;
    productionListenerArn: pulumi.Input<string>;
    testListenerArn: pulumi.Input<string>;
    targetGroupArns: pulumi.Input<string>[];
    alarmArns: pulumi.Input<string>[];
    autoScalingGroupArns: pulumi.Input<string>[];
}

/**
 * The GitLab release jobs' permissions: exactly the calls the release tool makes (a test checks
 * both directions against release/), on this stack's bucket prefix, groups, listeners and alarms.
 */
export function deployPolicy(args: DeployPolicyArgs): PolicyDocument {
    return document(
        // s3:GetObject: HeadObject (deploy reads the uploaded object's version id and ETag), and
        // CodeDeploy checks it on the caller of CreateDeployment.
        { Sid: "UploadAndReadRevisions", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: args.revisionObjectsArn },
        {
            Sid: "RegisterRevisions",
            Effect: "Allow",
            Action: ["codedeploy:RegisterApplicationRevision", "codedeploy:GetApplicationRevision"],
            Resource: args.applicationArn,
        },
        {
            Sid: "DeployToColorGroups",
            Effect: "Allow",
            // ListDeployments (deploymentgroup resource): verify reads back through a group's
            // deployments for earlier ones of the same revision, since an Auto Scaling launch makes its own.
            // BatchGetDeployments: ListDeployments documents no order, so deployments are sorted by
            // their creation time, read 25 at a time.
            Action: [
                "codedeploy:CreateDeployment",
                "codedeploy:GetDeployment",
                "codedeploy:GetDeploymentGroup",
                "codedeploy:ListDeployments",
                "codedeploy:BatchGetDeployments",
            ],
            Resource: args.deploymentGroupArns,
        },
        { Sid: "ReadDeploymentConfig", Effect: "Allow", Action: "codedeploy:GetDeploymentConfig", Resource: args.deploymentConfigArn },
        { Sid: "ShiftTraffic", Effect: "Allow", Action: "elasticloadbalancing:ModifyListener", Resource: [args.productionListenerArn, args.testListenerArn] },
        // The release tool keeps its state in tags: the verified revision on each target group,
        // the color to roll back to on the production listener.
        { Sid: "RecordReleaseState", Effect: "Allow", Action: "elasticloadbalancing:AddTags", Resource: [...args.targetGroupArns, args.productionListenerArn] },
        // On the alarms' ARNs only: composite alarms (readable only with DescribeAlarms on `*`)
        // are refused by the release tool instead (release/aws/alarms.ts).
        { Sid: "WatchRollbackAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: args.alarmArns },
        // Capacity follows traffic (DESIGN decision 10): raise a color before traffic moves to it,
        // hold the color losing traffic, and schedule the hold's end. Write actions on an Auto
        // Scaling group take its ARN (autoScalingGroup resource type, Service Authorization Reference).
        {
            Sid: "HandOffCapacity",
            Effect: "Allow",
            Action: ["autoscaling:UpdateAutoScalingGroup", "autoscaling:PutScheduledUpdateGroupAction", "autoscaling:DeleteScheduledAction"],
            Resource: args.autoScalingGroupArns,
        },
        { Sid: "DescribeOnly", Effect: "Allow", Action: DESCRIBE_ONLY_ACTIONS, Resource: "*" },
    );
}

export function toJson(doc: PolicyDocument): pulumi.Output<string> {
    return pulumi.jsonStringify(doc);
}
