import { expect } from "chai";
import { check, findings, res, UNKNOWN } from "./harness";

const TG = "aws:lb/targetGroup:TargetGroup";
const TG_ALIASES = [TG, "aws:alb/targetGroup:TargetGroup", "aws:elasticloadbalancingv2/targetGroup:TargetGroup"];
const healthy = { enabled: true, path: "/health/deep", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 };
const tg = (name: string, inputs: Record<string, unknown>, type = TG) => res(type, name, { port: 80, protocol: "HTTP", ...inputs });

describe("lb-deregistration-delay", () => {
    const p = "lb-deregistration-delay";
    for (const type of TG_ALIASES) {
        it(`rejects the seed 30 s delay on ${type}`, async () => {
            expect(await findings(p, tg("blue", { deregistrationDelay: 30 }, type))).to.deep.equal(["deregistrationDelay is 30 s; the minimum is 300 s."]);
        });
    }
    it("accepts unset (AWS's 300 s), 300 and a string \"600\" from state", async () => {
        expect(await findings(p, [tg("a", {}), tg("b", { deregistrationDelay: 300 }), tg("c", { deregistrationDelay: "600" })])).to.deep.equal([]);
    });
    it("takes the minimum from config", async () => {
        expect(await findings(p, tg("a", { deregistrationDelay: 120 }), { config: { minimumSeconds: 60 } })).to.deep.equal([]);
    });
});

describe("lb-health-check", () => {
    const p = "lb-health-check";
    it("rejects the seed target group with health checks disabled", async () => {
        expect(await findings(p, tg("a", { healthCheck: { ...healthy, enabled: false } }))).to.deep.equal(["the health check is disabled (healthCheck.enabled = false)."]);
    });
    it("rejects the seed default path / (explicit or unset) and a missing matcher", async () => {
        expect((await findings(p, tg("a", { healthCheck: { ...healthy, path: "/" } })))[0]).to.include('path "/"');
        const unset = await findings(p, tg("b", {}));
        expect(unset.join("\n")).to.include("AWS's default").and.include("no explicit matcher");
    });
    it("rejects unsafe timing and thresholds outside 2–10", async () => {
        const f = await findings(p, tg("a", { healthCheck: { ...healthy, interval: 5, timeout: 5, healthyThreshold: 1, unhealthyThreshold: 11 } }));
        expect(f).to.have.length(3);
    });
    it("accepts an explicit deep health check on every alias", async () => {
        for (const type of TG_ALIASES) expect(await findings(p, tg("a", { healthCheck: healthy }, type))).to.deep.equal([]);
    });
});

describe("asg-elb-health-check", () => {
    const p = "asg-elb-health-check";
    const ASG = "aws:autoscaling/group:Group";
    const blue = tg("blue", { healthCheck: healthy });

    it("rejects the seed ASG attached to a target group with EC2 health checks (explicit or default)", async () => {
        const explicit = res(ASG, "blue-asg", { healthCheckType: "EC2", targetGroupArns: [UNKNOWN] }, { targetGroupArns: [blue] });
        expect((await findings(p, [blue, explicit]))[0]).to.include("uses EC2 health checks");
        expect(await findings(p, res(ASG, "b", { targetGroupArns: ["arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/1"] }))).to.have.length(1);
        expect(await findings(p, res(ASG, "classic", { loadBalancers: ["web-elb"] }))).to.have.length(1);
    });
    it("rejects a zero grace period, and sees attachments made by a separate resource", async () => {
        const asg = res(ASG, "asg", { name: "fleet", healthCheckType: "ELB", healthCheckGracePeriod: 0 });
        const attachment = res("aws:autoscaling/attachment:Attachment", "att", { autoscalingGroupName: "fleet", lbTargetGroupArn: "arn" });
        expect((await findings(p, [asg, attachment]))[0]).to.include("grace period of 0 s");
    });
    it("accepts ELB health checks with a grace period (any case), and ignores unattached groups", async () => {
        const ok = res(ASG, "a", { healthCheckType: "elb", healthCheckGracePeriod: 300, targetGroupArns: ["arn"] });
        expect(await findings(p, [ok, res(ASG, "worker", { healthCheckType: "EC2" })])).to.deep.equal([]);
    });
});

describe("lb-blue-green-parity", () => {
    const p = "lb-blue-green-parity";
    const tagged = (name: string, color: string, inputs: Record<string, unknown>) => tg(name, { ...inputs, tags: { Color: color, App: "web" } });
    /** A listener spreading traffic over target groups by weight, as the production listener does. */
    const forwarding = (groups: ReturnType<typeof tg>[]) =>
        res("aws:lb/listener:Listener", "production", { port: 443, protocol: "HTTPS", defaultActions: [{ type: "forward", forward: { targetGroups: groups.map((g, i) => ({ arn: g.inputs.arn, weight: i === 0 ? 100 : 0 })) } }] }, { defaultActions: groups });

    it("pairs the groups the production listener forwards to, whatever their names, and rejects ones that drain or check health differently", async () => {
        const a = tg("primary", { arn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/primary/1", healthCheck: healthy });
        const b = tg("secondary", { arn: "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/secondary/2", healthCheck: { ...healthy, interval: 30 }, deregistrationDelay: 30 });
        const f = await findings(p, [a, b, forwarding([a, b])]);
        expect(f).to.have.length(1);
        expect(f[0]).to.include("deregistrationDelay: 300 vs 30").and.include("interval: 10 vs 30");
        // Named like colors but not forwarded together and not tagged: not a pair.
        expect(await findings(p, [tg("web-blue", { healthCheck: healthy }), tg("web-green", { deregistrationDelay: 30 })])).to.deep.equal([]);
    });
    it("pairs by the listener's dependencies while ARNs are unknown (preview)", async () => {
        const a = tg("primary", { arn: UNKNOWN, healthCheck: healthy });
        const b = tg("secondary", { arn: UNKNOWN, healthCheck: healthy, slowStart: 30 });
        const listener = res("aws:lb/listener:Listener", "production", { defaultActions: [{ type: "forward", forward: { targetGroups: [{ arn: UNKNOWN }, { arn: UNKNOWN }] } }] }, { defaultActions: [a, b] });
        expect((await findings(p, [a, b, listener]))[0]).to.include("slowStart: 0 vs 30");
    });
    it("pairs by Color tag and the other tags, and reports a missing counterpart", async () => {
        expect(await findings(p, [tg("one", { tags: { Color: "blue" } })])).to.deep.equal([`${TG} (one) has no green counterpart.`]);
        const f = await findings(p, [tagged("x", "blue", { healthCheck: healthy }), tagged("y", "green", { healthCheck: { ...healthy, path: "/health" } })]);
        expect(f[0]).to.include('path: /health/deep vs /health');
    });
    it("pairs color-tagged groups whose other tags spell their color (Name: web-blue / web-green)", async () => {
        const named = (name: string, color: string, inputs: Record<string, unknown>) => tg(name, { ...inputs, tags: { Color: color, Name: `web-${color}` } });
        expect(await findings(p, [named("a", "blue", { healthCheck: healthy }), named("b", "green", { healthCheck: healthy })])).to.deep.equal([]);
        expect((await findings(p, [named("a", "blue", { healthCheck: healthy }), named("b", "green", { healthCheck: healthy, protocolVersion: "HTTP2" })]))[0]).to.include("protocolVersion: HTTP1 vs HTTP2");
    });
    it("pairs the groups serving one CodeDeploy application's deployment groups, through their Auto Scaling groups", async () => {
        const a = tg("first", { arn: "arn:tg/first", healthCheck: healthy });
        const b = tg("second", { arn: "arn:tg/second", healthCheck: healthy, port: 8080 });
        const asgs = [a, b].map((g, i) => res("aws:autoscaling/group:Group", `asg-${i}`, { name: `fleet-${i}`, targetGroupArns: [g.inputs.arn] }, { targetGroupArns: [g] }));
        const app = res("aws:codedeploy/application:Application", "app", { name: "web" });
        const dgs = asgs.map((asg, i) => res("aws:codedeploy/deploymentGroup:DeploymentGroup", `dg-${i}`, { appName: "web", autoscalingGroups: [asg.inputs.name] }, { appName: [app], autoscalingGroups: [asg] }));
        expect((await findings(p, [a, b, ...asgs, app, ...dgs]))[0]).to.include("port: 80 vs 8080");
    });
    it("accepts identical colors, default and explicit settings comparing alike", async () => {
        expect(await findings(p, [tagged("web-blue", "blue", { deregistrationDelay: 300, healthCheck: healthy }), tagged("web-green", "green", { healthCheck: healthy })])).to.deep.equal([]);
    });
});

describe("lb-listener-https", () => {
    const p = "lb-listener-https";
    const forward = [{ type: "forward", targetGroupArn: "arn" }];
    for (const type of ["aws:lb/listener:Listener", "aws:alb/listener:Listener"]) {
        it(`rejects plain HTTP forwarding on ${type}; accepts HTTPS and HTTP→HTTPS redirects`, async () => {
            expect(await findings(p, res(type, "http", { port: 80, protocol: "HTTP", defaultActions: forward }))).to.have.length(1);
            expect(await findings(p, res(type, "https", { port: 443, protocol: "HTTPS", certificateArn: "arn", defaultActions: forward }))).to.deep.equal([]);
            const redirect = [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }];
            expect(await findings(p, res(type, "redirect", { port: 80, protocol: "HTTP", defaultActions: redirect }))).to.deep.equal([]);
        });
    }
    it("takes its level from the stack's config", async () => {
        const http = res("aws:lb/listener:Listener", "http", { port: 80, defaultActions: forward });
        expect((await check(p, http, { config: { enforcementLevel: "advisory" } }))[0].enforcementLevel).to.equal("advisory");
        expect(await check(p, http, { config: { enforcementLevel: "disabled" } })).to.deep.equal([]);
    });
});
