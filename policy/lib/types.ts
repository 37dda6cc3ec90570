/**
 * Every type token a program may declare the same AWS resource with. pulumi-aws kept the old
 * module names as aliases (`aws:alb/…`, `aws:elasticloadbalancingv2/…`, the S3 `…V2` resources),
 * and the analyzer only ever sees the token the program used, so each policy matches the group.
 */
const lb = (resource: string, kind: string) =>
    ["lb", "alb", "elasticloadbalancingv2", "applicationloadbalancing"].map((m) => `aws:${m}/${resource}:${kind}`);
const s3 = (resource: string, kind: string) => [`aws:s3/${resource}:${kind}`, `aws:s3/${resource}V2:${kind}V2`];

export const TYPES = {
    targetGroup: lb("targetGroup", "TargetGroup"),
    listener: lb("listener", "Listener"),
    listenerRule: lb("listenerRule", "ListenerRule"),
    loadBalancer: lb("loadBalancer", "LoadBalancer"),
    autoScalingGroup: ["aws:autoscaling/group:Group"],
    autoScalingAttachment: ["aws:autoscaling/attachment:Attachment", "aws:autoscaling/trafficSourceAttachment:TrafficSourceAttachment"],
    launchTemplate: ["aws:ec2/launchTemplate:LaunchTemplate"],
    launchConfiguration: ["aws:ec2/launchConfiguration:LaunchConfiguration"],
    /** Resources that launch an instance directly and take the same `metadataOptions`/`launchTemplate`. */
    instance: ["aws:ec2/instance:Instance", "aws:ec2/spotInstanceRequest:SpotInstanceRequest"],
    securityGroup: ["aws:ec2/securityGroup:SecurityGroup", "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"],
    securityGroupRule: ["aws:ec2/securityGroupRule:SecurityGroupRule"],
    securityGroupIngressRule: ["aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"],
    managedPrefixList: ["aws:ec2/managedPrefixList:ManagedPrefixList"],
    managedPrefixListEntry: ["aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"],
    role: ["aws:iam/role:Role"],
    rolePolicy: ["aws:iam/rolePolicy:RolePolicy"],
    userPolicy: ["aws:iam/userPolicy:UserPolicy"],
    groupPolicy: ["aws:iam/groupPolicy:GroupPolicy"],
    managedPolicy: ["aws:iam/policy:Policy"],
    rolePolicyAttachment: ["aws:iam/rolePolicyAttachment:RolePolicyAttachment"],
    userPolicyAttachment: ["aws:iam/userPolicyAttachment:UserPolicyAttachment"],
    groupPolicyAttachment: ["aws:iam/groupPolicyAttachment:GroupPolicyAttachment"],
    policyAttachment: ["aws:iam/policyAttachment:PolicyAttachment"],
    rolePolicyAttachmentsExclusive: ["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"],
    userPolicyAttachmentsExclusive: ["aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive"],
    groupPolicyAttachmentsExclusive: ["aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive"],
    bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
    bucketVersioning: s3("bucketVersioning", "BucketVersioning"),
    bucketEncryption: s3("bucketServerSideEncryptionConfiguration", "BucketServerSideEncryptionConfiguration"),
    bucketPublicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
    bucketPolicy: ["aws:s3/bucketPolicy:BucketPolicy"],
    /** Resources whose `policy` is a resource-based policy of a queue, topic, key, secret or repository. */
    resourcePolicyHolder: [
        "aws:sqs/queue:Queue",
        "aws:sqs/queuePolicy:QueuePolicy",
        "aws:sns/topic:Topic",
        "aws:sns/topicPolicy:TopicPolicy",
        "aws:kms/key:Key",
        "aws:kms/keyPolicy:KeyPolicy",
        "aws:kms/replicaKey:ReplicaKey",
        "aws:secretsmanager/secret:Secret",
        "aws:secretsmanager/secretPolicy:SecretPolicy",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
    ],
    deploymentGroup: ["aws:codedeploy/deploymentGroup:DeploymentGroup"],
} satisfies Record<string, readonly string[]>;
