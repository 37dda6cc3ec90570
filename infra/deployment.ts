/**
 * CodeDeploy: one application, one IN_PLACE deployment group per color (DESIGN.md decision 1).
 *
 * A release only ever targets the idle color, which carries no production traffic, so the groups
 * deploy WITHOUT_TRAFFIC_CONTROL and all at once: there is nothing to drain, and waiting out the
 * 300 s deregistration delay per batch would buy nothing. Traffic moves later, by listener
 * weights, under the release tool's control. The release tool treats a failure on any instance
 * as a failed release, which closes the gap AllAtOnce leaves (it reports success when at least
 * one instance succeeded).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config";
import { COLORS, type Color, stackPrefix, stackTags } from "./naming";

export const DEPLOYMENT_CONFIG_NAME = "CodeDeployDefault.AllAtOnce";

export interface DeploymentArgs {
    serviceRoleArn: pulumi.Input<string>;
    autoScalingGroupNames: Record<Color, pulumi.Input<string>>;
    alarmNames: Record<Color, pulumi.Input<string>[]>;
}

export class Deployment extends pulumi.ComponentResource {
    readonly application: aws.codedeploy.Application;
    readonly groups: Record<Color, aws.codedeploy.DeploymentGroup>;

    constructor(name: string, cfg: StackConfig, args: DeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:deployment:Deployment", name, {}, opts);
        const tags = stackTags(cfg);
        this.application = new aws.codedeploy.Application(`${name}-app`, { name: stackPrefix(cfg), computePlatform: "Server", tags }, { parent: this });

        this.groups = {} as Record<Color, aws.codedeploy.DeploymentGroup>;
        for (const color of COLORS) {
            this.groups[color] = new aws.codedeploy.DeploymentGroup(
                `${name}-${color}`,
                {
                    appName: this.application.name,
                    deploymentGroupName: color,
                    serviceRoleArn: args.serviceRoleArn,
                    deploymentConfigName: DEPLOYMENT_CONFIG_NAME,
                    deploymentStyle: { deploymentType: "IN_PLACE", deploymentOption: "WITHOUT_TRAFFIC_CONTROL" },
                    autoscalingGroups: [args.autoScalingGroupNames[color]],
                    autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] },
                    alarmConfiguration: { enabled: true, alarms: args.alarmNames[color], ignorePollAlarmFailure: false },
                    // Instances launched while a deployment runs get the revision too, not a stale one.
                    outdatedInstancesStrategy: "UPDATE",
                    tags: { ...tags, Color: color },
                },
                { parent: this },
            );
        }
        this.registerOutputs({ applicationName: this.application.name });
    }
}
