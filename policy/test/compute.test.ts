import { expect } from "chai";
import { findings, res } from "./harness";

describe("compute-imdsv2-required", () => {
    const p = "compute-imdsv2-required";
    const types = ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/launchConfiguration:LaunchConfiguration", "aws:ec2/instance:Instance", "aws:ec2/spotInstanceRequest:SpotInstanceRequest"];
    for (const type of types) {
        it(`rejects IMDSv1 (unset or optional) on ${type}; accepts required or a disabled endpoint`, async () => {
            expect(await findings(p, res(type, "a", {}))).to.have.length(1);
            expect(await findings(p, res(type, "b", { metadataOptions: { httpTokens: "optional" } }))).to.have.length(1);
            expect(await findings(p, res(type, "c", { metadataOptions: { httpTokens: "Required" } }))).to.deep.equal([]);
            expect(await findings(p, res(type, "d", { metadataOptions: { httpEndpoint: "disabled" } }))).to.deep.equal([]);
        });
    }
    it("leaves an instance launched from a template to the template's check", async () => {
        expect(await findings(p, res("aws:ec2/instance:Instance", "i", { launchTemplate: { id: "lt-1" } }))).to.deep.equal([]);
    });
});

describe("compute-no-public-ingress", () => {
    const p = "compute-no-public-ingress";
    const SG = "aws:ec2/securityGroup:SecurityGroup";
    const RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
    const albSg = res(SG, "alb-sg", {});
    const alb = res("aws:lb/loadBalancer:LoadBalancer", "alb", { securityGroups: ["sg-1"] }, { securityGroups: [albSg] });
    const instanceSg = res(SG, "instances-sg", {});
    const world = (name: string, sg: typeof albSg, port: number, cidr = { cidrIpv4: "0.0.0.0/0" }) =>
        res(RULE, name, { securityGroupId: "sg", ipProtocol: "tcp", fromPort: port, toPort: port, ...cidr }, { securityGroupId: [sg] });

    it("accepts 80/443 from the world on a load balancer's group", async () => {
        expect(await findings(p, [albSg, alb, world("in-80", albSg, 80), world("in-443", albSg, 443, { cidrIpv6: "::/0" } as never)])).to.deep.equal([]);
    });
    it("rejects SSH from the world, and web ports on a group no load balancer uses", async () => {
        const f = await findings(p, [albSg, alb, instanceSg, world("ssh", instanceSg, 22), world("web", instanceSg, 80)]);
        expect(f).to.have.length(2);
        expect(f[0]).to.include("tcp port 22 from every internet address").and.include("0.0.0.0/0");
        expect(f[1]).to.include("not a load balancer's");
    });
    it("covers inline ingress and legacy SecurityGroupRule, IPv6 included", async () => {
        const inline = res(SG, "legacy", { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }] });
        const defaultSg = res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "default", { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] });
        expect(await findings(p, defaultSg)).to.have.length(1);
        const rule = res("aws:ec2/securityGroupRule:SecurityGroupRule", "r", { type: "ingress", securityGroupId: "sg-x", protocol: "tcp", fromPort: 8080, toPort: 8080, ipv6CidrBlocks: ["::/0"] });
        expect(await findings(p, [inline, rule])).to.have.length(2);
    });
    it("accepts a test port limited to known CIDRs", async () => {
        expect(await findings(p, [albSg, alb, world("test", albSg, 8443, { cidrIpv4: "203.0.113.0/24" })])).to.deep.equal([]);
    });
    it("judges the union of a group's CIDRs across rules, per port, IPv4 and IPv6", async () => {
        const halves = (port: number, low: object, high: object) => [world(`${port}-low`, instanceSg, port, low as never), world(`${port}-high`, instanceSg, port, high as never)];
        expect(await findings(p, [instanceSg, ...halves(22, { cidrIpv4: "0.0.0.0/1" }, { cidrIpv4: "128.0.0.0/1" })])).to.have.length(1);
        expect(await findings(p, [instanceSg, ...halves(22, { cidrIpv6: "::/1" }, { cidrIpv6: "8000::/1" })])).to.have.length(1);
        // Halves on different ports are not open anywhere; every public address minus private space is.
        expect(await findings(p, [instanceSg, world("a", instanceSg, 22, { cidrIpv4: "0.0.0.0/1" }), world("b", instanceSg, 23, { cidrIpv4: "128.0.0.0/1" })])).to.deep.equal([]);
        const publicOnly = ["0.0.0.0/5", "8.0.0.0/7", "11.0.0.0/8", "12.0.0.0/6", "16.0.0.0/4", "32.0.0.0/3", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/9", "192.128.0.0/11", "192.160.0.0/13", "192.169.0.0/16", "192.170.0.0/15", "192.172.0.0/14", "192.176.0.0/12", "192.192.0.0/10", "193.0.0.0/8", "194.0.0.0/7", "196.0.0.0/6", "200.0.0.0/5", "208.0.0.0/4"];
        const split = publicOnly.map((cidr, i) => world(`p${i}`, instanceSg, 8080, { cidrIpv4: cidr }));
        expect(await findings(p, [instanceSg, ...split])).to.have.length(1);
        expect(await findings(p, [instanceSg, ...split.slice(1)])).to.deep.equal([]);
    });
});
