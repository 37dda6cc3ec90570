/**
 * Pulumi mocks that answer like AWS would: provider-assigned names, ids and ARNs in the formats
 * each service really uses, derived deterministically from the resource's name so that plans and
 * test expectations are stable from run to run.
 *
 * Reads (`aws.lb.getListener`, `aws.ec2.getLaunchTemplate`) answer from what AWS holds: by default
 * what this run created (a first `pulumi up`); given a deployed world, what an earlier run declared,
 * with the listener actions the release tool has set since.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";

export const FAKE_ACCOUNT_ID = "123456789012";

/** What AWS holds before this run: an earlier run's resources by name, and listener actions by ARN. */
export interface DeployedState {
    /** Keyed by `<type>::<name>`, as in a URN. */
    inputsByName: Map<string, Record<string, any>>;
    /** Listener ARN → its forward targets as the release tool left them. */
    listenerTargets: Map<string, { arn: string; weight: number }[]>;
}

const hex = (seed: string, length: number) => createHash("sha256").update(seed).digest("hex").slice(0, length);

type State = Record<string, any>;

export class FakeCloud implements pulumi.runtime.Mocks {
    /** Resources this run created, by id and by ARN: what a read finds. */
    private readonly created = new Map<string, { key: string; state: State }>();

    constructor(
        private readonly region: string,
        private readonly deployed?: DeployedState,
    ) {}

    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
        switch (args.token) {
            case "aws:lb/getListener:getListener":
                return this.readListener(args.inputs.arn);
            case "aws:ec2/getLaunchTemplate:getLaunchTemplate":
                return this.readLaunchTemplate(args.inputs.id);
            case "aws:index/getCallerIdentity:getCallerIdentity":
                return { accountId: FAKE_ACCOUNT_ID, arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:user/offline`, userId: "AIDAOFFLINE", id: FAKE_ACCOUNT_ID };
            case "aws:index/getPartition:getPartition":
                return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
            case "aws:index/getRegion:getRegion":
                return { name: this.region, region: this.region, id: this.region };
            default:
                throw new Error(`no offline answer for the provider function ${args.token}`);
        }
    }

    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: State } {
        const state = { ...args.inputs, ...this.computed(args.type, args.name, args.inputs) };
        const id = state.id ?? `${args.name}-${hex(args.type + args.name, 8)}`;
        const created = { key: `${args.type}::${args.name}`, state };
        this.created.set(id, created);
        if (typeof state.arn === "string") this.created.set(state.arn, created);
        return { id, state };
    }

    /** A resource as AWS holds it: the deployed world's inputs if it has one by that name. */
    private held(idOrArn: string): State {
        const found = this.created.get(idOrArn);
        if (!found) throw new Error(`offline read of ${idOrArn}: no such resource`);
        return this.deployed?.inputsByName.get(found.key) ?? found.state;
    }

    /** In aws.lb.getListener's shape: forward weights under `forwards[].targetGroups`. */
    private readListener(arn: string): State {
        const state = this.held(arn);
        const declared = (state.defaultActions ?? []) as { type: string; forward?: { targetGroups: { arn: string; weight: number }[] } }[];
        const defaultActions = declared.map((a) => ({
            type: a.type,
            forwards: a.forward ? [{ targetGroups: this.deployed?.listenerTargets.get(arn) ?? a.forward.targetGroups }] : [],
        }));
        return { ...state, arn, defaultActions };
    }

    private readLaunchTemplate(id: string): State {
        const state = this.held(id);
        return { ...state, id, tags: state.tags ?? {} };
    }

    private arn(service: string, resource: string): string {
        return `arn:aws:${service}:${this.region}:${FAKE_ACCOUNT_ID}:${resource}`;
    }

    /** The attributes AWS (or the provider's autonaming) fills in for each type the program uses. */
    private computed(type: string, name: string, inputs: State): State {
        const autoName = (max: number) => `${name}-${hex(name, 7)}`.slice(0, max);
        switch (type) {
            case "awsx:ec2:Vpc":
                return {
                    vpcId: `vpc-${hex(name, 17)}`,
                    publicSubnetIds: [0, 1].map((i) => `subnet-${hex(`${name}public${i}`, 17)}`),
                    privateSubnetIds: [0, 1].map((i) => `subnet-${hex(`${name}private${i}`, 17)}`),
                };
            case "aws:ec2/securityGroup:SecurityGroup":
                return { id: `sg-${hex(name, 17)}`, arn: this.arn("ec2", `security-group/sg-${hex(name, 17)}`) };
            case "aws:lb/loadBalancer:LoadBalancer": {
                const lbName = inputs.name ?? autoName(32);
                const suffix = `app/${lbName}/${hex(name, 16)}`;
                return { name: lbName, arn: this.arn("elasticloadbalancing", `loadbalancer/${suffix}`), arnSuffix: suffix, dnsName: `${lbName}-${hex(name, 10)}.${this.region}.elb.amazonaws.com` };
            }
            case "aws:lb/targetGroup:TargetGroup": {
                const tgName = inputs.name ?? autoName(32);
                const suffix = `targetgroup/${tgName}/${hex(name, 16)}`;
                return { name: tgName, arn: this.arn("elasticloadbalancing", suffix), arnSuffix: suffix };
            }
            case "aws:lb/listener:Listener":
                return { arn: this.arn("elasticloadbalancing", `listener/app/lb/${hex("lb", 16)}/${hex(name, 16)}`) };
            case "aws:ec2/launchTemplate:LaunchTemplate":
                return { id: `lt-${hex(name, 17)}`, latestVersion: 1, arn: this.arn("ec2", `launch-template/lt-${hex(name, 17)}`) };
            case "aws:autoscaling/group:Group": {
                const asgName = inputs.name ?? autoName(64);
                return { id: asgName, name: asgName, arn: this.arn("autoscaling", `autoScalingGroup:${uuid(name)}:autoScalingGroupName/${asgName}`) };
            }
            case "aws:codedeploy/application:Application":
                return { arn: this.arn("codedeploy", `application:${inputs.name}`), applicationId: uuid(name) };
            case "aws:codedeploy/deploymentGroup:DeploymentGroup":
                return { arn: this.arn("codedeploy", `deploymentgroup:${inputs.appName}/${inputs.deploymentGroupName}`), deploymentGroupId: uuid(name) };
            case "aws:s3/bucket:Bucket": {
                const bucket = inputs.bucket ?? `${inputs.bucketPrefix ?? ""}${hex(name, 20)}`.slice(0, 63);
                return { id: bucket, bucket, arn: `arn:aws:s3:::${bucket}` };
            }
            case "aws:iam/role:Role": {
                const roleName = inputs.name ?? autoName(64);
                return { id: roleName, name: roleName, arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${roleName}`, uniqueId: `AROA${hex(name, 17).toUpperCase()}` };
            }
            case "aws:iam/instanceProfile:InstanceProfile": {
                const profileName = inputs.name ?? autoName(128);
                return { id: profileName, name: profileName, arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:instance-profile/${profileName}` };
            }
            case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
                return { arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:oidc-provider/${new URL(inputs.url).host}` };
            case "aws:cloudwatch/metricAlarm:MetricAlarm":
                return { arn: this.arn("cloudwatch", `alarm:${inputs.name}`) };
            case "aws:cloudwatch/logGroup:LogGroup":
                return { arn: this.arn("logs", `log-group:${inputs.name}`) };
            default:
                return {};
        }
    }
}

function uuid(seed: string): string {
    const h = hex(seed, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
