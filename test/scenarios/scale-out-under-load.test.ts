import { expect } from "chai";
import { metricKey } from "./aws/cloudwatch";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 9, "Why" 1 (second half): every instance the Auto Scaling group launches gets an automatic
 * CodeDeploy deployment (creator `autoscaling`) before it goes InService, and CodeDeploy stops it
 * while one of the deployment group's alarms is in ALARM (the launch is then abandoned). Under a
 * load the live color cannot carry, its latency and errors rise: if those alarms were attached to
 * the deployment group, they would refuse the very scale-out that relieves them (DESIGN decision 11).
 */
scenario("scale-out under load is never refused by an alarm", { stack: "production" }, (get) => {
  it("scales blue out to its maximum through the overload, every launched instance on the release", async () => {
    const s = get();
    await s.establish("blue");
    const p99 = s.rollbackAlarms().find((name) => name.endsWith("-blue-p99-latency"))!;
    const alarmsFired = new Set<string>();
    s.world.observe((event) => {
      if (event.type === "alarm" && event.state === "ALARM") alarmsFired.add(String(event.name));
    });

    // A launch: far more than one instance can serve. nginx sheds the excess with 503 and the
    // rest queues (test/scenarios/aws/traffic.ts), until target tracking has scaled blue out.
    s.setLoad(700);
    const max = s.declared.blue.maxSize;
    expect(await s.untilScaledOut("blue", max), "automatic deployments to blue's launched instances refused").to.deep.equal([]);

    expect([...alarmsFired], "the overload showed in blue's fleet-state alarms").to.include(p99);
    const tg = s.targetGroup("blue");
    const lb = s.world.elb.loadBalancers.get(tg.loadBalancerArn)!;
    const errors = s.world.cloudwatch.datapoints.get(metricKey("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", { LoadBalancer: lb.arnSuffix, TargetGroup: tg.arnSuffix }));
    expect([...(errors?.values() ?? [])].reduce((sum, point) => sum + point.sum, 0), "5xx answers from blue's overloaded targets").to.be.above(0);
    const launched = s.launchDeployments("blue").flatMap((d) => [...d.targets.keys()]);
    expect(launched, "instances CodeDeploy deployed to as blue launched them").to.have.lengthOf(max - 1);
    expect(s.versions("blue")).to.deep.equal(Array(max).fill("v1"));

    // The fleet now carries the load: the next release goes out as usual.
    await s.advance(15 * 60_000);
    const release = await s.deployAndSwitch({ version: "v2", behaviour: "ok" });
    expect(exits(release), jobLog(release)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
  });
});
