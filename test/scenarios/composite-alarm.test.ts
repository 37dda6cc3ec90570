import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 9: ROLLBACK_ALARM_NAMES may name a composite alarm. DescribeAlarms returns
 * composite alarms only to a caller allowed cloudwatch:DescribeAlarms on `*` (the model reads
 * that from the deploy role's policy as declared). Either the role may read it and it guards
 * the switch like any alarm, or the tool refuses up front, naming it and saying it may be a
 * composite alarm (a plain "does not exist" sent people looking for a deleted alarm).
 */
scenario("a composite alarm among the rollback alarms", { stack: "staging" }, (get) => {
  it("guards the switch with it, or refuses up front naming it", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(40);
    const composite = "bluegreen-staging-release-health";
    s.world.cloudwatch.addCompositeAlarm(composite, `ALARM("bluegreen-staging-green-target-5xx-rate") OR ALARM("bluegreen-staging-alb-5xx")`);
    s.env.ROLLBACK_ALARM_NAMES = `${s.env.ROLLBACK_ALARM_NAMES},${composite}`;
    const release = { version: "v2", behaviour: "5xx", errorRate: 0.2 } as const;
    await s.jobPasses("deploy", release);

    const minimum = String(s.minimumBakeSeconds());
    const result = await s.cli(["switch", "--steps", "50,100", "--bake", minimum], { RELEASE_VERSION: "v2" });
    const log = `${result.out.join("\n")}\n${result.err}`;
    if (s.world.cloudwatch.compositeAlarmsReadable) {
      expect(result.code, log).to.equal(1);
      expect(s.world.cloudwatch.alarmState(composite)).to.equal("ALARM");
      expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
    } else {
      expect([2, 3], log).to.include(result.code);
      expect(result.err).to.include(composite).and.to.match(/composite/i);
      expect(s.world.endpoint.calls.filter((c) => c.operation === "ModifyListener" && c.time >= result.startedAt)).to.deep.equal([]);
    }
  });
});
