/**
 * The internet-facing ALB, its security group, the blue and green target groups and the two
 * listeners whose weights the pipeline owns after creation (DESIGN.md decision 2).
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config";
import { COLORS, type Color, stackPrefix, stackTags } from "./naming";

/** The instances' nginx port: the only port the ALB reaches on an instance. */
export const TRAFFIC_PORT = 80;
export const HEALTH_CHECK_PATH = "/health/deep";
/** Must stay below nginx's client keepalive_timeout (DESIGN.md decision 6). */
export const ALB_IDLE_TIMEOUT_SECONDS = 60;
const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
/**
 * The release tool records its state as tags on the target groups and the production listener
 * (release/aws/release-tags.ts), so Pulumi sets their tags at creation only and never removes
 * that record on a later `pulumi up --refresh`.
 */
const RELEASE_TOOL_OWNED_TAGS = ["tags", "tagsAll"];

export interface LoadBalancingArgs {
    vpcId: pulumi.Input<string>;
    publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
}

export class LoadBalancing extends pulumi.ComponentResource {
    readonly securityGroup: aws.ec2.SecurityGroup;
    readonly loadBalancer: aws.lb.LoadBalancer;
    readonly targetGroups: Record<Color, aws.lb.TargetGroup>;
    /** The production listener: forwards to both colors by weight. */
    readonly productionListener: aws.lb.Listener;
    /** The CIDR-limited listener that reaches only the idle color, for verification. */
    readonly testListener: aws.lb.Listener;
    readonly testListenerUrl: pulumi.Output<string>;

    constructor(name: string, cfg: StackConfig, args: LoadBalancingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:loadbalancing:LoadBalancing", name, {}, opts);
        const tags = stackTags(cfg);
        const https = cfg.certificateArn !== undefined;

        this.securityGroup = new aws.ec2.SecurityGroup(
            `${name}-alb-sg`,
            { vpcId: args.vpcId, description: `${stackPrefix(cfg)} ALB: public web ports, test port from allowed CIDRs`, tags },
            { parent: this },
        );
        const publicPorts = https ? [80, 443] : [80];
        for (const port of publicPorts) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-alb-in-${port}`,
                { securityGroupId: this.securityGroup.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: "0.0.0.0/0", description: "public web traffic" },
                { parent: this },
            );
        }
        cfg.testListenerCidrs.forEach((cidr, i) => {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-alb-in-test-${i}`,
                { securityGroupId: this.securityGroup.id, ipProtocol: "tcp", fromPort: cfg.testListenerPort, toPort: cfg.testListenerPort, cidrIpv4: cidr, description: "test listener (idle color)" },
                { parent: this },
            );
        });

        this.loadBalancer = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                loadBalancerType: "application",
                internal: false,
                subnets: args.publicSubnetIds,
                securityGroups: [this.securityGroup.id],
                idleTimeout: ALB_IDLE_TIMEOUT_SECONDS,
                dropInvalidHeaderFields: true,
                enableDeletionProtection: cfg.deletionProtection,
                tags,
            },
            { parent: this, protect: cfg.deletionProtection },
        );

        this.targetGroups = {} as Record<Color, aws.lb.TargetGroup>;
        for (const color of COLORS) {
            this.targetGroups[color] = new aws.lb.TargetGroup(
                `${name}-${color}`,
                {
                    // port, protocol, targetType and vpcId force a replacement: they are fixed here on
                    // purpose. A replaced target group would get a new ARN that the pipeline-owned
                    // listener actions (ignored by Pulumi) never learn; see docs/infrastructure.md, "When a target group really must be replaced".
                    port: TRAFFIC_PORT,
                    protocol: "HTTP",
                    targetType: "instance",
                    vpcId: args.vpcId,
                    deregistrationDelay: cfg.deregistrationDelaySeconds,
                    slowStart: cfg.slowStartSeconds,
                    loadBalancingAlgorithmType: "least_outstanding_requests",
                    healthCheck: {
                        enabled: true,
                        protocol: "HTTP",
                        port: "traffic-port",
                        path: HEALTH_CHECK_PATH,
                        matcher: "200",
                        interval: cfg.healthCheck.intervalSeconds,
                        timeout: cfg.healthCheck.timeoutSeconds,
                        healthyThreshold: cfg.healthCheck.healthyThreshold,
                        unhealthyThreshold: cfg.healthCheck.unhealthyThreshold,
                    },
                    stickiness: { type: "lb_cookie", enabled: false },
                    tags: { ...tags, Color: color },
                },
                // protect turns an accidental replacement into a preview error instead of an outage;
                // the tags carry the release tool's verification record once created.
                { parent: this, protect: true, ignoreChanges: RELEASE_TOOL_OWNED_TAGS },
            );
        }

        const pipelineOwned: pulumi.CustomResourceOptions = { parent: this, ignoreChanges: ["defaultActions", ...RELEASE_TOOL_OWNED_TAGS] };
        const forwardWeighted = (blueWeight: number): aws.types.input.lb.ListenerDefaultAction => ({
            type: "forward",
            forward: {
                targetGroups: [
                    { arn: this.targetGroups.blue.arn, weight: blueWeight },
                    { arn: this.targetGroups.green.arn, weight: 100 - blueWeight },
                ],
                stickiness: { enabled: false, duration: 1 },
            },
        });
        const tls = https ? { certificateArn: cfg.certificateArn, sslPolicy: TLS_POLICY } : {};

        this.productionListener = new aws.lb.Listener(
            `${name}-production`,
            { loadBalancerArn: this.loadBalancer.arn, port: https ? 443 : 80, protocol: https ? "HTTPS" : "HTTP", ...tls, defaultActions: [forwardWeighted(100)], tags },
            pipelineOwned,
        );
        if (https) {
            new aws.lb.Listener(
                `${name}-http-redirect`,
                {
                    loadBalancerArn: this.loadBalancer.arn,
                    port: 80,
                    protocol: "HTTP",
                    defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }],
                    tags,
                },
                // When a certificate is added to a running stack, the production listener moves from
                // :80 to :443 in place; this one may only take :80 after that (an ALB holds one
                // listener per port: DuplicateListener, elasticloadbalancing/latest/APIReference/API_CreateListener.html).
                { parent: this, dependsOn: [this.productionListener] },
            );
        }
        // At creation blue is live, so green is the idle color the test listener reaches.
        this.testListener = new aws.lb.Listener(
            `${name}-test`,
            { loadBalancerArn: this.loadBalancer.arn, port: cfg.testListenerPort, protocol: https ? "HTTPS" : "HTTP", ...tls, defaultActions: [forwardWeighted(0)], tags },
            pipelineOwned,
        );
        // With TLS the URL must name a host the certificate covers; plain HTTP can use the ALB's name.
        this.testListenerUrl = https
            ? pulumi.output(`https://${cfg.publicHostname}:${cfg.testListenerPort}`)
            : pulumi.interpolate`http://${this.loadBalancer.dnsName}:${cfg.testListenerPort}`;

        this.registerOutputs({ dnsName: this.loadBalancer.dnsName });
    }
}
