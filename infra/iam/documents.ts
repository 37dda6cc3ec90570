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
    Resource?: pulumi.Input<string> | pulumi.Input<string>[];
    Principal?: unknown;
    Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: Statement[];
}

const document = (...statements: Statement[]): PolicyDocument => ({ Version: "2012-10-17", Statement: statements });

/** Read-only calls the release tool needs that support no resource-level permissions. */
export const DESCRIBE_ONLY_ACTIONS = [
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "autoscaling:DescribeAutoScalingGroups",
    "codedeploy:ListDeploymentTargets",
    "codedeploy:BatchGetDeploymentTargets",
    "codedeploy:GetDeploymentTarget",
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

export interface DeployPolicyArgs {
    revisionObjectsArn: pulumi.Input<string>;
    applicationArn: pulumi.Input<string>;
    deploymentGroupArns: pulumi.Input<string>[];
    deploymentConfigArn: pulumi.Input<string>;
    listenerArns: pulumi.Input<string>[];
    targetGroupArns: pulumi.Input<string>[];
    autoScalingGroupArns: pulumi.Input<string>[];
    alarmArns: pulumi.Input<string>[];
}

/** The GitLab release jobs' permissions: this stack's bucket prefix, groups, listeners and alarms. */
export function deployPolicy(args: DeployPolicyArgs): PolicyDocument {
    return document(
        { Sid: "UploadAndReadRevisions", Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"], Resource: args.revisionObjectsArn },
        {
            Sid: "RegisterRevisions",
            Effect: "Allow",
            Action: ["codedeploy:RegisterApplicationRevision", "codedeploy:GetApplicationRevision", "codedeploy:GetApplication"],
            Resource: args.applicationArn,
        },
        {
            Sid: "DeployToColorGroups",
            Effect: "Allow",
            Action: [
                "codedeploy:CreateDeployment",
                "codedeploy:GetDeployment",
                "codedeploy:GetDeploymentGroup",
                "codedeploy:ListDeployments",
                "codedeploy:ListDeploymentInstances",
                "codedeploy:GetDeploymentInstance",
                "codedeploy:BatchGetDeploymentInstances",
            ],
            Resource: args.deploymentGroupArns,
        },
        { Sid: "ReadDeploymentConfig", Effect: "Allow", Action: "codedeploy:GetDeploymentConfig", Resource: args.deploymentConfigArn },
        { Sid: "ShiftTraffic", Effect: "Allow", Action: "elasticloadbalancing:ModifyListener", Resource: args.listenerArns },
        // The release tool records a verified revision as a tag on the idle target group.
        { Sid: "RecordVerification", Effect: "Allow", Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], Resource: args.targetGroupArns },
        { Sid: "ScaleColorFleets", Effect: "Allow", Action: ["autoscaling:UpdateAutoScalingGroup", "autoscaling:SetDesiredCapacity"], Resource: args.autoScalingGroupArns },
        { Sid: "WatchRollbackAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: args.alarmArns },
        { Sid: "DescribeOnly", Effect: "Allow", Action: DESCRIBE_ONLY_ACTIONS, Resource: "*" },
    );
}

export function toJson(doc: PolicyDocument): pulumi.Output<string> {
    return pulumi.jsonStringify(doc);
}
