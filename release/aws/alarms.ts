import { DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { COLORS, type Color } from "../colors";
import type { ReleaseContext } from "../context";

/**
 * The rollback alarms that guard `color` while it receives traffic. Naming rule (infra/monitoring.ts):
 * per-color alarms are `<app>-<stack>-<color>-<metric>`, so a name with a `-blue-` or `-green-`
 * segment belongs to that color only; any other name (e.g. `<app>-<stack>-alb-5xx`) guards every
 * color. The color traffic leaves is not checked: its alarm (often the very reason for a release
 * or rollback) must not block moving traffic away from it.
 */
export function alarmsGuarding(names: string[], color: Color): string[] {
  return names.filter((name) => {
    const owner = COLORS.find((c) => name.includes(`-${c}-`));
    return owner === undefined || owner === color;
  });
}

/**
 * Problems with the rollback alarms guarding `color`: alarms in ALARM state, and configured alarms
 * that do not exist (a renamed alarm must fail the check, not silently stop guarding releases).
 */
export async function alarmProblems(ctx: ReleaseContext, color: Color): Promise<string[]> {
  const names = alarmsGuarding(ctx.outputs.rollbackAlarmNames, color);
  // DescribeAlarms without names would list every alarm in the account.
  if (!names.length) return [];
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
