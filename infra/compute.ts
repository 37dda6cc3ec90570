/**
 * The instances: one launch template shared by both colors, and per color an Auto Scaling group
 * attached to that color's target group with a CPU target-tracking policy.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config";
import { TRAFFIC_PORT } from "./loadBalancing";
import { type Color, stackPrefix, stackTags } from "./naming";

export interface InstanceTemplateArgs {
    vpcId: pulumi.Input<string>;
    albSecurityGroupId: pulumi.Input<string>;
    instanceProfileArn: pulumi.Input<string>;
    userData: string;
}

export class InstanceTemplate extends pulumi.ComponentResource {
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly launchTemplate: aws.ec2.LaunchTemplate;

    constructor(name: string, cfg: StackConfig, args: InstanceTemplateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:compute:InstanceTemplate", name, {}, opts);
        const parent = { parent: this };
        const tags = stackTags(cfg);

        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            { vpcId: args.vpcId, description: `${stackPrefix(cfg)} instances: nginx from the ALB only, no SSH`, tags },
            parent,
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-in-http-from-alb`,
            { securityGroupId: this.securityGroup.id, ipProtocol: "tcp", fromPort: TRAFFIC_PORT, toPort: TRAFFIC_PORT, referencedSecurityGroupId: args.albSecurityGroupId, description: "nginx, from the ALB" },
            parent,
        );
        // HTTPS out only: SSM, S3, CodeDeploy, CloudWatch and the package repositories.
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-out-https`,
            { securityGroupId: this.securityGroup.id, ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0", description: "AWS APIs and package repositories" },
            parent,
        );
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-alb-to-instances`,
            { securityGroupId: args.albSecurityGroupId, ipProtocol: "tcp", fromPort: TRAFFIC_PORT, toPort: TRAFFIC_PORT, referencedSecurityGroupId: this.securityGroup.id, description: "ALB to nginx" },
            parent,
        );

        const ami = aws.ssm.getParameterOutput({ name: cfg.amiSsmParameter }, parent);
        this.launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-lt`,
            {
                description: `${stackPrefix(cfg)} color fleet instances`,
                imageId: ami.value,
                instanceType: cfg.instanceType,
                iamInstanceProfile: { arn: args.instanceProfileArn },
                vpcSecurityGroupIds: [this.securityGroup.id],
                userData: Buffer.from(args.userData).toString("base64"),
                // IMDSv2 only, and a hop limit of 1 so containers on the host cannot reach it.
                metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
                blockDeviceMappings: [
                    { deviceName: "/dev/xvda", ebs: { volumeSize: cfg.rootVolumeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
                ],
                monitoring: { enabled: true },
                updateDefaultVersion: true,
                tagSpecifications: [
                    { resourceType: "instance", tags },
                    { resourceType: "volume", tags },
                ],
                tags,
            },
            parent,
        );
        this.registerOutputs({ launchTemplateId: this.launchTemplate.id });
    }
}

export interface ColorFleetArgs {
    color: Color;
    privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
    launchTemplate: aws.ec2.LaunchTemplate;
    targetGroupArn: pulumi.Input<string>;
}

export class ColorFleet extends pulumi.ComponentResource {
    readonly group: aws.autoscaling.Group;

    constructor(name: string, cfg: StackConfig, args: ColorFleetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:compute:ColorFleet", name, {}, opts);
        const tags = { ...stackTags(cfg), Color: args.color, Name: `${stackPrefix(cfg)}-${args.color}` };

        this.group = new aws.autoscaling.Group(
            `${name}-asg`,
            {
                name: `${stackPrefix(cfg)}-${args.color}`,
                vpcZoneIdentifiers: args.privateSubnetIds,
                minSize: cfg.capacity.min,
                maxSize: cfg.capacity.max,
                desiredCapacity: cfg.capacity.desired,
                // Pinning the template's latest version (not "$Latest") makes a template change a
                // change of this group, which is what starts the instance refresh below.
                launchTemplate: { id: args.launchTemplate.id, version: args.launchTemplate.latestVersion.apply(String) },
                targetGroupArns: [args.targetGroupArn],
                healthCheckType: "ELB",
                healthCheckGracePeriod: cfg.healthCheckGracePeriodSeconds,
                defaultInstanceWarmup: cfg.healthCheckGracePeriodSeconds,
                instanceRefresh: {
                    strategy: "Rolling",
                    // Launch before terminate: capacity never drops during a refresh.
                    preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: String(cfg.healthCheckGracePeriodSeconds) },
                },
                enabledMetrics: ["GroupInServiceInstances", "GroupDesiredCapacity", "GroupPendingInstances", "GroupTerminatingInstances"],
                tags: [
                    ...Object.entries(tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
                    // The configured capacity, for the release tool: it raises MinSize while a
                    // release is in flight and returns the group to these afterwards (DESIGN
                    // decision 10; release/aws/auto-scaling.ts).
                    { key: "bluegreen:min-size", value: String(cfg.capacity.min), propagateAtLaunch: false },
                    { key: "bluegreen:max-size", value: String(cfg.capacity.max), propagateAtLaunch: false },
                ],
            },
            // Target tracking (and the pipeline, when it scales the idle color) moves the desired
            // capacity; `pulumi up` must not undo that.
            { parent: this, ignoreChanges: ["desiredCapacity"] },
        );
        new aws.autoscaling.Policy(
            `${name}-cpu-target`,
            {
                autoscalingGroupName: this.group.name,
                policyType: "TargetTrackingScaling",
                targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: "ASGAverageCPUUtilization" }, targetValue: cfg.cpuTargetPercent },
            },
            { parent: this },
        );
        this.registerOutputs({ groupName: this.group.name });
    }
}
