/**
 * Nothing is open to the internet except a load balancer's web ports (DESIGN.md decision 9:
 * instances accept traffic only from the ALB's security group). A stack policy, because whether
 * a security group belongs to a load balancer, and which rules it has, are separate resources.
 * What is judged is the union of a group's CIDRs on each protocol and port, not each literal:
 * `0.0.0.0/1` and `128.0.0.0/1` in two rules are as open as `0.0.0.0/0`, and a rule naming a
 * managed prefix list of the stack opens the list's CIDRs. A load balancer's group is excused on
 * its web ports only while no instance, launch template or launch configuration uses it too:
 * instances in it would accept the world as well.
 */
import type { PolicyResource } from "@pulumi/policy";
import { label, ofTypes, referencedBy } from "../lib/stack";
import { asList, asNumber, stackPolicy } from "../lib/spec";
import { TYPES } from "../lib/types";
import { excludeCidr, parseCidr } from "cidr-tools";

interface PublicIngressConfig {
    loadBalancerPorts: number[];
}

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

/**
 * The CIDRs of each managed prefix list the stack declares, by the values a rule may name it
 * with (id, ARN): its inline `entries` and its `ManagedPrefixListEntry` resources. A prefix list
 * the stack does not declare (an AWS-managed one) has contents the stack cannot show.
 */
function prefixListCidrs(resources: readonly PolicyResource[]): { lists: PolicyResource[]; cidrs: Map<string, string[]> } {
    const lists = ofTypes(resources, TYPES.managedPrefixList);
    const cidrs = new Map(lists.map((l) => [l.urn, asList<Record<string, unknown>>(l.props.entries).map((e) => String(e.cidr))]));
    for (const entry of ofTypes(resources, TYPES.managedPrefixListEntry)) {
        for (const l of referencedBy(entry, "prefixListId", lists, ["id", "arn"])) cidrs.get(l.urn)!.push(String(entry.props.cidr));
    }
    return { lists, cidrs };
}

function rules(resources: readonly PolicyResource[], groups: PolicyResource[]): Rule[] {
    const { lists, cidrs } = prefixListCidrs(resources);
    /** CIDRs of the stack's prefix lists a rule names by value (`ids`) or depends on (`deps`, known during preview too). */
    const listed = (ids: unknown, deps: readonly { urn: string }[] = []): string[] => {
        const values = new Set(asList<unknown>(ids as unknown[]));
        const urns = new Set(deps.map((d) => d.urn));
        return lists.filter((l) => urns.has(l.urn) || values.has(l.props.id) || values.has(l.props.arn)).flatMap((l) => cidrs.get(l.urn)!);
    };
    const inline = ofTypes(resources, TYPES.securityGroup).flatMap((sg) =>
        asList<Record<string, any>>(sg.props.ingress).map((r, i) => ({
            source: sg,
            where: `ingress[${i}]`,
            protocol: String(r.protocol),
            fromPort: asNumber(r.fromPort),
            toPort: asNumber(r.toPort),
            // The dependencies of `ingress` are those of every inline rule: each rule's lists are matched by value.
            cidrs: [...asList<string>(r.cidrBlocks), ...asList<string>(r.ipv6CidrBlocks), ...listed(r.prefixListIds)],
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
            cidrs: [...asList<string>(r.props.cidrBlocks), ...asList<string>(r.props.ipv6CidrBlocks), ...listed(r.props.prefixListIds, r.propertyDependencies.prefixListIds)],
            groups: referencedBy(r, "securityGroupId", groups, ["id"]),
        }));
    const vpc = ofTypes(resources, TYPES.securityGroupIngressRule).map((r) => ({
        source: r,
        where: "rule",
        protocol: String(r.props.ipProtocol),
        fromPort: asNumber(r.props.fromPort),
        toPort: asNumber(r.props.toPort),
        cidrs: [...[r.props.cidrIpv4, r.props.cidrIpv6].filter((c): c is string => typeof c === "string"), ...listed(r.props.prefixListId, r.propertyDependencies.prefixListId)],
        groups: referencedBy(r, "securityGroupId", groups, ["id"]),
    }));
    return [...inline, ...legacy, ...vpc];
}

/**
 * Addresses no internet host sends from: the IANA IPv4 Special-Purpose Address Registry's
 * not-globally-reachable blocks (RFC 6890 and its updates) and multicast; for IPv6 everything
 * outside 2000::/3, the global unicast space (IANA IPv6 Global Unicast Address Assignments), and
 * the documentation prefix. A rule set reaching every other address is open to the internet.
 */
const NOT_INTERNET_V4 = ["0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4"];
const INTERNET = [excludeCidr(["0.0.0.0/0"], NOT_INTERNET_V4), excludeCidr(["2000::/3"], ["2001:db8::/32"])];

/** Whether CIDRs together cover every internet address of IPv4 or of IPv6. */
function coversInternet(cidrs: readonly string[]): boolean {
    const valid = cidrs.filter(isCidr);
    return valid.length > 0 && INTERNET.some((space) => excludeCidr(space, valid).length === 0);
}

function isCidr(value: string): boolean {
    try {
        parseCidr(value);
        return true;
    } catch {
        return false;
    }
}

const ALL_PORTS: [number, number] = [0, 65535];
const PROTOCOL_NAMES: Record<string, string> = { "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", all: "-1" };

/** Protocol names as the EC2 API takes them (`tcp`, `6`, `-1`/`all` for every protocol). */
function protocolOf(rule: Rule): string {
    const p = rule.protocol.toLowerCase();
    return PROTOCOL_NAMES[p] ?? p;
}

function portRange(rule: Rule): [number, number] {
    const p = protocolOf(rule);
    if (p === "-1" || (p !== "tcp" && p !== "udp") || rule.fromPort === undefined || rule.fromPort < 0) return ALL_PORTS;
    return [rule.fromPort, rule.toPort ?? rule.fromPort];
}

interface OpenRange {
    protocol: string;
    from: number;
    to: number;
    rules: Rule[];
}

/**
 * The protocol/port ranges on which a group's rules, together, accept every internet address:
 * the ports are cut at every rule's boundaries, and each piece takes the union of the CIDRs of
 * the rules covering it (`-1` covers every protocol and port).
 */
function openRanges(rules: Rule[]): OpenRange[] {
    const protocols = new Set(rules.map(protocolOf).filter((p) => p !== "-1"));
    if (rules.some((r) => protocolOf(r) === "-1")) protocols.add("-1");
    const open: OpenRange[] = [];
    for (const protocol of protocols) {
        const applying = rules.filter((r) => protocolOf(r) === protocol || protocolOf(r) === "-1");
        const cuts = [...new Set(applying.flatMap((r) => [portRange(r)[0], portRange(r)[1] + 1]))].sort((a, b) => a - b);
        for (let i = 0; i + 1 < cuts.length; i++) {
            const [from, to] = [cuts[i], cuts[i + 1] - 1];
            const covering = applying.filter((r) => portRange(r)[0] <= from && to <= portRange(r)[1]);
            if (!coversInternet(covering.flatMap((r) => r.cidrs))) continue;
            const last = open[open.length - 1];
            if (last && last.protocol === protocol && last.to + 1 === from) {
                last.to = to;
                last.rules = [...new Set([...last.rules, ...covering])];
            } else open.push({ protocol, from, to, rules: covering });
        }
    }
    return open;
}

/** Rules grouped by the security group they belong to (a rule whose group is not in the stack stands alone). */
function byGroup(rules: Rule[]): Map<string, { group?: PolicyResource; rules: Rule[] }> {
    const groups = new Map<string, { group?: PolicyResource; rules: Rule[] }>();
    for (const rule of rules) {
        const targets: (PolicyResource | undefined)[] = rule.groups.length > 0 ? rule.groups : [undefined];
        for (const group of targets) {
            const key = group?.urn ?? rule.source.urn;
            const entry = groups.get(key) ?? { group, rules: [] };
            entry.rules.push(rule);
            groups.set(key, entry);
        }
    }
    return groups;
}

/** Security groups that instances join: through instances, spot requests, launch templates (also per network interface) and launch configurations. */
function instanceGroups(resources: readonly PolicyResource[], groups: PolicyResource[]): Set<string> {
    const used = new Set<string>();
    const add = (found: PolicyResource[]) => found.forEach((g) => used.add(g.urn));
    for (const r of ofTypes(resources, [...TYPES.instance, ...TYPES.launchTemplate, ...TYPES.launchConfiguration])) {
        for (const prop of ["vpcSecurityGroupIds", "securityGroups", "securityGroupNames"]) add(referencedBy(r, prop, groups, ["id", "name"]));
        const nested = new Set(asList<Record<string, any>>(r.props.networkInterfaces).flatMap((n) => asList<string>(n.securityGroups)));
        add(groups.filter((g) => nested.has(g.props.id)));
    }
    return used;
}

export const noPublicIngress = stackPolicy<PublicIngressConfig>(
    {
        name: "compute-no-public-ingress",
        description:
            "Security groups must not accept traffic from every internet address (the union of a group's IPv4 and IPv6 CIDRs on a port, however split across rules), except a load balancer's security group on its web ports (80/443).",
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
        const forInstances = instanceGroups(resources, groups);
        const lbGroups = new Set(ofTypes(resources, TYPES.loadBalancer).flatMap((lb) => referencedBy(lb, "securityGroups", groups, ["id"]).map((g) => g.urn)));
        for (const { group, rules: groupRules } of byGroup(rules(resources, groups)).values()) {
            for (const open of openRanges(groupRules)) {
                const webPorts = open.protocol === "tcp" && Array.from({ length: open.to - open.from + 1 }, (_, i) => open.from + i).every((p) => config.loadBalancerPorts.includes(p));
                const onLoadBalancer = group !== undefined && lbGroups.has(group.urn) && !forInstances.has(group.urn);
                if (webPorts && onLoadBalancer) continue;
                const what = open.protocol === "-1" ? "all traffic" : `${open.protocol} ${open.from === open.to ? `port ${open.from}` : `ports ${open.from}-${open.to}`}`;
                const from = open.rules.map((r) => `${label(r.source)} ${r.where} (${r.cidrs.join(", ")})`).join("; ");
                const why = !webPorts
                    ? `only ${config.loadBalancerPorts.join("/")} of a load balancer may be`
                    : group !== undefined && forInstances.has(group.urn)
                      ? "instances use this security group too"
                      : "the security group is not a load balancer's";
                const subject = group ? label(group) : label(open.rules[0].source);
                report(`${subject} accepts ${what} from every internet address, through ${from}; ${why}.`, (group ?? open.rules[0].source).urn);
            }
        }
    },
);
