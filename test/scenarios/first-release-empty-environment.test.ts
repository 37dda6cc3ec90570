import { expect } from "chai";
import { COLORS } from "../../release/colors";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 9, "Why" 1: after the first `pulumi up` no instance has the app, its target fails
 * `/health/deep`, and each color's unhealthy-hosts alarm is in ALARM before anything is deployed.
 * A deployment group carrying that alarm stops every deployment at once (ALARM_ACTIVE), the
 * pipeline's first one included (DESIGN decision 11). Staging releases unattended: its
 * `deploy:staging` and `switch:staging` jobs, as `.gitlab-ci.yml` runs them, must take an empty
 * environment to its first verified, switched release on their own.
 */
scenario("first release on an empty environment: the pipeline's jobs alone, while the fleet alarms fire and the group replaces the instance", { stack: "staging" }, (get) => {
  it("deploys, verifies and switches green with no step beyond the pipeline's", async () => {
    const s = get();
    const unhealthyHosts = COLORS.map((c) => s.rollbackAlarms().find((name) => name.endsWith(`-${c}-unhealthy-hosts`))!);
    // `up:staging` returns once the groups have their instances, and the release jobs start
    // minutes later: by then both fleets, without the app, have failed their health checks long
    // enough for their unhealthy-hosts alarms to fire.
    await s.until(() => unhealthyHosts.every((name) => s.world.cloudwatch.alarmState(name) === "ALARM"), 15 * 60_000, "unhealthy-hosts alarms in ALARM");
    expect(s.versions("blue").concat(s.versions("green"))).to.deep.equal(["none", "none"]);
    // Nor do they wait for a good moment: each instance without the app is replaced for failing
    // its ELB health check once its grace period ends (ec2-auto-scaling-health-checks.html), and
    // here the deployment starts just before green's is (an instance terminated during a
    // deployment fails it: codedeploy/latest/userguide/troubleshooting-auto-scaling.html).
    const [first] = s.world.autoscaling.inService(s.group("green"));
    const replacedAt = first!.inServiceAt! + s.group("green").healthCheckGracePeriod * 1000;
    await s.advance(Math.max(0, replacedAt - 30_000 - s.clock.now()));

    const release = { version: "v1", behaviour: "ok" } as const;
    const deploy = await s.job("deploy", release);
    expect(exits(deploy), jobLog(deploy)).to.deep.equal([0, 0, 0, 0]);
    const switched = await s.job("switch", release);
    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 0]);

    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
    expect(s.weights("test")).to.deep.equal({ blue: 100, green: 0 });
    expect(s.versions("green").length).to.be.at.least(1);
    expect(s.versions("green").every((v) => v === "v1")).to.equal(true);
    const deployments = [...s.world.codedeploy.deployments.values()];
    const stopped = deployments.filter((d) => d.errorInformation?.code === "ALARM_ACTIVE");
    expect(stopped.map((d) => `${d.id} (${d.creator}): ${d.errorInformation?.message}`), "deployments stopped by an alarm").to.deep.equal([]);
    // The group took green's instance away during the first deployment; deploy waited for its
    // replacement and deployed again.
    expect(deployments.map((d) => `${d.group} ${d.creator} ${d.status}`)).to.deep.equal(["green user Failed", "green user Succeeded"]);
    expect(deploy[2]!.out.join("\n")).to.include("failed because the Auto Scaling group took its instances out during it");
  });
});
