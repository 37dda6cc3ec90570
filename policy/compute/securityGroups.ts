/**
 * Nothing is open to the internet except a load balancer's web ports (DESIGN.md decision 9:
 * instances accept traffic only from the ALB's security group). A stack policy, because whether
 * a security group belongs to a load balancer, and which rules it has, are separate resources.
 */
import type { PolicyResource } from "@pulumi/policy";
import { label, ofTypes, referencedBy } from "../lib/stack";
import { asList, asNumber, stackPolicy } from "../lib/spec";
import { TYPES } from "../lib/types";

interface PublicIngressConfig {
    loadBalancerPorts: number[];
}

const WORLD = ["0.0.0.0/0", "::/0"];

interface Rule {
    /** The resource declaring the rule (the group itself for inline rules). */
    source: PolicyResource;
    where: string;
    protocol: string;
    fromPort?: number;
    toPort?: number;
    cidrs: string[];
    groups: PolicyResource[];
}

function rules(resources: readonly PolicyResource[], groups: PolicyResource[]): Rule[] {
    const inline = ofTypes(resources, TYPES.securityGroup).flatMap((sg) =>
        asList<Record<string, any>>(sg.props.ingress).map((r, i) => ({
            source: sg,
            where: `ingress[${i}]`,
            protocol: String(r.protocol),
            fromPort: asNumber(r.fromPort),
            toPort: asNumber(r.toPort),
            cidrs: [...asList<string>(r.cidrBlocks), ...asList<string>(r.ipv6CidrBlocks)],
            groups: [sg],
        })),
    );
    const legacy = ofTypes(resources, TYPES.securityGroupRule)
        .filter((r) => String(r.props.type).toLowerCase() === "ingress")
        .map((r) => ({
            source: r,
            where: "rule",
            protocol: String(r.props.protocol),
            fromPort: asNumber(r.props.fromPort),
            toPort: asNumber(r.props.toPort),
            cidrs: [...asList<string>(r.props.cidrBlocks), ...asList<string>(r.props.ipv6CidrBlocks)],
            groups: referencedBy(r, "securityGroupId", groups, ["id"]),
        }));
    const vpc = ofTypes(resources, TYPES.securityGroupIngressRule).map((r) => ({
        source: r,
        where: "rule",
        protocol: String(r.props.ipProtocol),
        fromPort: asNumber(r.props.fromPort),
        toPort: asNumber(r.props.toPort),
        cidrs: [r.props.cidrIpv4, r.props.cidrIpv6].filter((c): c is string => typeof c === "string"),
        groups: referencedBy(r, "securityGroupId", groups, ["id"]),
    }));
    return [...inline, ...legacy, ...vpc];
}

const isTcp = (protocol: string) => ["tcp", "6"].includes(protocol.toLowerCase());

export const noPublicIngress = stackPolicy<PublicIngressConfig>(
    {
        name: "compute-no-public-ingress",
        description: "Security groups must not accept traffic from 0.0.0.0/0 or ::/0, except a load balancer's security group on its web ports (80/443).",
        severity: "critical",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Let instances accept traffic only from the load balancer's security group (`referencedSecurityGroupId`), reach them with SSM Session Manager instead of SSH, and limit test ports to known CIDRs.",
        configSchema: {
            properties: {
                loadBalancerPorts: { type: "array", items: { type: "integer" }, description: "TCP ports a load balancer's security group may open to the world.", default: [80, 443] },
            },
        },
    },
    ({ resources }, config, report) => {
        const groups = ofTypes(resources, TYPES.securityGroup);
        const lbGroups = new Set(ofTypes(resources, TYPES.loadBalancer).flatMap((lb) => referencedBy(lb, "securityGroups", groups, ["id"]).map((g) => g.urn)));
        for (const rule of rules(resources, groups)) {
            const open = rule.cidrs.filter((c) => WORLD.includes(c));
            if (open.length === 0) continue;
            const webPort =
                isTcp(rule.protocol) && rule.fromPort !== undefined && rule.fromPort === rule.toPort && config.loadBalancerPorts.includes(rule.fromPort);
            const onLoadBalancer = rule.groups.length > 0 && rule.groups.every((g) => lbGroups.has(g.urn));
            if (webPort && onLoadBalancer) continue;
            const ports = rule.fromPort === rule.toPort ? `port ${rule.fromPort}` : `ports ${rule.fromPort}-${rule.toPort}`;
            const why = webPort ? "and the security group is not a load balancer's" : `only ${config.loadBalancerPorts.join("/")} of a load balancer may be`;
            report(`${label(rule.source)} ${rule.where} opens ${rule.protocol} ${ports} to ${open.join(", ")}; ${why}.`, rule.source.urn);
        }
    },
);
