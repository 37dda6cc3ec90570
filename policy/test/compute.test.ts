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
        expect(f[0]).to.include("port 22 to 0.0.0.0/0");
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
});
