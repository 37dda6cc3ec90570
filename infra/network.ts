/** The VPC: public subnets for the ALB, private subnets for the instances, over two AZs. */
import * as pulumi from "@pulumi/pulumi";
import * as awsx from "@pulumi/awsx";
import type { StackConfig } from "./config";
import { stackTags } from "./naming";

export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string[]>;
    readonly privateSubnetIds: pulumi.Output<string[]>;

    constructor(name: string, cfg: StackConfig, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:network:Network", name, {}, opts);
        const vpc = new awsx.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: cfg.vpcCidr,
                numberOfAvailabilityZones: 2,
                enableDnsHostnames: true,
                subnetStrategy: "Auto",
                subnetSpecs: [{ type: "Public" }, { type: "Private" }],
                // One NAT gateway is a single point of failure for instance egress (SSM, S3,
                // CodeDeploy): acceptable for staging, not for production.
                natGateways: { strategy: cfg.natGateways === "onePerAz" ? "OnePerAz" : "Single" },
                tags: stackTags(cfg),
            },
            { parent: this },
        );
        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = vpc.privateSubnetIds;
        this.registerOutputs({ vpcId: this.vpcId });
    }
}
