/**
 * The whole stack: network, load balancing, artifact store, IAM, two color fleets, CodeDeploy
 * and alarms, wired together. Returns the pipeline outputs (infra/outputs.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ArtifactStore } from "./artifactStore";
import { ColorFleet, InstanceTemplate } from "./compute";
import type { StackConfig } from "./config";
import { Deployment, DEPLOYMENT_CONFIG_NAME } from "./deployment";
import { CodeDeployServiceRole, GitLabDeployRole, InstanceIdentity } from "./iam/roles";
import { LoadBalancing } from "./loadBalancing";
import { LogGroups, RollbackAlarms } from "./monitoring";
import { COLORS, perColor } from "./naming";
import { Network } from "./network";
import type { PipelineOutputs } from "./outputs";
import { PM2_VERSION, renderUserData } from "./userData";

export function defineStack(cfg: StackConfig): PipelineOutputs {
    const account = { accountId: aws.getCallerIdentityOutput().accountId, partition: aws.getPartitionOutput().partition };

    const network = new Network("network", cfg);
    const lb = new LoadBalancing("lb", cfg, { vpcId: network.vpcId, publicSubnetIds: network.publicSubnetIds });
    const artifacts = new ArtifactStore("artifacts", cfg);
    const logs = new LogGroups("logs", cfg);

    const instances = new InstanceIdentity("instance", cfg, account, { revisionObjectsArn: artifacts.revisionObjectsArn, logGroupArns: [logs.app.arn, logs.nginx.arn] });
    const templates = new InstanceTemplate("instances", cfg, {
        vpcId: network.vpcId,
        albSecurityGroupId: lb.securityGroup.id,
        instanceProfileArn: instances.instanceProfile.arn,
        userData: renderUserData({ REGION: cfg.region, STACK: cfg.stack, APP_LOG_GROUP: `/${cfg.project}/${cfg.stack}/app`, NGINX_LOG_GROUP: `/${cfg.project}/${cfg.stack}/nginx`, PM2_VERSION }),
        productionListenerArn: lb.productionListener.arn,
        targetGroupArns: perColor((color) => lb.targetGroups[color].arn),
    });
    const fleets = perColor(
        (color) =>
            new ColorFleet(`${color}-fleet`, cfg, {
                color,
                privateSubnetIds: network.privateSubnetIds,
                launchTemplate: templates.launchTemplates[color].template,
                targetGroupArn: lb.targetGroups[color].arn,
            }),
    );

    const alarms = new RollbackAlarms("alarms", cfg, {
        loadBalancerArnSuffix: lb.loadBalancer.arnSuffix,
        targetGroupArnSuffixes: perColor((color) => lb.targetGroups[color].arnSuffix),
    });
    const codedeployRole = new CodeDeployServiceRole("codedeploy", cfg, account, {
        region: cfg.region,
        launchTemplateIds: COLORS.map((color) => templates.launchTemplates[color].template.id),
        subnetIds: network.privateSubnetIds,
        securityGroupId: templates.securityGroup.id,
        instanceRoleArn: instances.role.arn,
    });
    const deployment = new Deployment("deploy", cfg, {
        serviceRoleArn: codedeployRole.role.arn,
        autoScalingGroupNames: perColor((color) => fleets[color].group.name),
        alarmNames: perColor((color) => alarms.deploymentAlarms[color].map((a) => a.name)),
    });

    const deployRole = new GitLabDeployRole("gitlab-deploy", cfg, {
        revisionObjectsArn: artifacts.revisionObjectsArn,
        applicationArn: deployment.application.arn,
        deploymentGroupArns: COLORS.map((c) => deployment.groups[c].arn),
        deploymentConfigArn: pulumi.interpolate`arn:${account.partition}:codedeploy:${cfg.region}:${account.accountId}:deploymentconfig:${DEPLOYMENT_CONFIG_NAME}`,
        productionListenerArn: lb.productionListener.arn,
        testListenerArn: lb.testListener.arn,
        targetGroupArns: COLORS.map((c) => lb.targetGroups[c].arn),
        alarmArns: alarms.all.map((a) => a.arn),
        autoScalingGroupArns: COLORS.map((c) => fleets[c].group.arn),
    });

    return {
        AWS_REGION: pulumi.output(cfg.region),
        ALB_DNS_NAME: lb.loadBalancer.dnsName,
        ALB_LISTENER_ARN: lb.productionListener.arn,
        TEST_LISTENER_ARN: lb.testListener.arn,
        TEST_LISTENER_URL: lb.testListenerUrl,
        BLUE_TARGET_GROUP_ARN: lb.targetGroups.blue.arn,
        GREEN_TARGET_GROUP_ARN: lb.targetGroups.green.arn,
        BLUE_ASG_NAME: fleets.blue.group.name,
        GREEN_ASG_NAME: fleets.green.group.name,
        CODEDEPLOY_APPLICATION_NAME: deployment.application.name,
        BLUE_DEPLOYMENT_GROUP: deployment.groups.blue.deploymentGroupName,
        GREEN_DEPLOYMENT_GROUP: deployment.groups.green.deploymentGroupName,
        CODEDEPLOY_S3_BUCKET: artifacts.bucket.bucket,
        DEPLOY_ROLE_ARN: deployRole.role.arn,
        ROLLBACK_ALARM_NAMES: pulumi.all(alarms.all.map((a) => a.name)).apply((names) => names.join(",")),
    };
}
