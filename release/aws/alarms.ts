import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import type { ReleaseContext } from "../context";

/**
 * Problems with the stack's rollback alarms: alarms in ALARM state, and configured alarms that do
 * not exist (a renamed alarm must fail the check, not silently stop guarding releases).
 */
export async function alarmProblems(ctx: ReleaseContext): Promise<string[]> {
  const names = ctx.outputs.rollbackAlarmNames;
  const result = await ctx.aws.cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ["MetricAlarm", "CompositeAlarm"] }),
  );
  const alarms = [...(result.MetricAlarms ?? []), ...(result.CompositeAlarms ?? [])];
  const problems = alarms
    .filter((alarm) => alarm.StateValue === "ALARM")
    .map((alarm) => `alarm ${alarm.AlarmName} is in ALARM: ${alarm.StateReason ?? "no reason given"}`);
  for (const name of names) {
    if (!alarms.some((alarm) => alarm.AlarmName === name)) problems.push(`alarm ${name} does not exist`);
  }
  return problems;
}
