/**
 * The instances: the instance security group, one launch template per color, and per color an
 * Auto Scaling group attached to that color's target group with a CPU target-tracking policy.
 *
 * What happens when a color's template changes (DESIGN.md decision 12, docs/runbook.md "OS image update"):
 * the template gets a new version, that color's Auto Scaling group is pointed at it, and Auto
 * Scaling starts an instance refresh of that color only: new instances are launched first (CodeDeploy
 * installs the group's last successful revision on each before it goes InService), and old ones
 * are terminated once the new ones are healthy, so capacity never drops. `pulumi up` does not wait
 * for the refresh; the release tool's `deploy` does. The other color is untouched. A color whose
 * template is held (bluegreen:holdLaunchTemplate) keeps its template and instances as they are,
 * and the live color is guarded against an unannounced change (infra/liveColorGuard.ts).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config";
import { guardLiveColor } from "./liveColorGuard";
import { TRAFFIC_PORT } from "./loadBalancing";
import { type Color, perColor, stackPrefix, stackTags } from "./naming";

/**
 * Launch template tag holding a digest of everything that makes a template version: reading it
 * back from AWS tells whether this run would give the color a new version (and so an instance
 * refresh) without comparing AWS's representation of each field.
 */
export const TEMPLATE_FINGERPRINT_TAG = "bluegreen:template-fingerprint";

export interface ColorTemplate {
    template: aws.ec2.LaunchTemplate;
    /** The digest this run declares; differs from the tag AWS holds exactly when the template changes. */
    fingerprint: pulumi.Output<string>;
}

function templateFingerprint(data: aws.ec2.LaunchTemplateArgs): pulumi.Output<string> {
    return pulumi.output(data).apply((resolved) => createHash("sha256").update(JSON.stringify(resolved)).digest("hex"));
}

export interface InstanceTemplateArgs {
    vpcId: pulumi.Input<string>;
    albSecurityGroupId: pulumi.Input<string>;
    instanceProfileArn: pulumi.Input<string>;
    userData: string;
    /** Where the live color is read from, for the live-color guard. */
    productionListenerArn: pulumi.Input<string>;
    targetGroupArns: Record<Color, pulumi.Input<string>>;
}

export class InstanceTemplate extends pulumi.ComponentResource {
    readonly securityGroup: aws.ec2.SecurityGroup;
    /** One launch template per color, so a change can reach one color at a time (DESIGN.md decision 12). */
    readonly launchTemplates: Record<Color, ColorTemplate>;

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

        this.launchTemplates = perColor((color) => {
            const data: aws.ec2.LaunchTemplateArgs = {
                description: `${stackPrefix(cfg)} ${color} fleet instances`,
                imageId: cfg.amiId,
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
            };
            const fingerprint = templateFingerprint(data);
            return {
                fingerprint,
                template: new aws.ec2.LaunchTemplate(
                    `${name}-${color}-lt`,
                    { ...data, tags: { ...tags, Color: color, [TEMPLATE_FINGERPRINT_TAG]: fingerprint } },
                    // A held template stays exactly as AWS has it (tags included, so its fingerprint
                    // keeps describing what its instances run): its Auto Scaling group sees no new
                    // version and refreshes nothing.
                    { parent: this, ignoreChanges: cfg.holdLaunchTemplate === color ? [...Object.keys(data), "tags"] : [] },
                ),
            };
        });
        this.registerOutputs({
            liveColorCheck: guardLiveColor(
                { productionListenerArn: args.productionListenerArn, targetGroupArns: args.targetGroupArns, templates: this.launchTemplates, heldColor: cfg.holdLaunchTemplate },
                this,
            ),
        });
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
                // Started by Auto Scaling when this group's launch template version changes
                // (autoscaling/ec2/userguide/asg-instance-refresh.html); Pulumi does not wait for it.
                instanceRefresh: {
                    strategy: "Rolling",
                    // Launch before terminate: capacity never drops during a refresh. Instances
                    // already on the new version are kept.
                    preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200, instanceWarmup: String(cfg.healthCheckGracePeriodSeconds), skipMatching: true },
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
