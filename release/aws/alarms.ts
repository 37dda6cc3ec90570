import { DescribeAlarmsCommand, type MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { COLORS, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { usageError } from "../errors";

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

interface GuardingAlarms {
  /** Every alarm CloudWatch returned, with its state. */
  states: { name: string; state?: string; reason?: string }[];
  metric: MetricAlarm[];
  /** Names CloudWatch returned as composite alarms (only to a caller allowed DescribeAlarms on `*`). */
  composite: string[];
  /** Names CloudWatch returned nothing for. */
  missing: string[];
}

async function describeGuardingAlarms(ctx: ReleaseContext, color: Color): Promise<GuardingAlarms> {
  const names = alarmsGuarding(ctx.outputs.rollbackAlarmNames, color);
  // DescribeAlarms without names would list every alarm in the account.
  if (!names.length) return { states: [], metric: [], composite: [], missing: [] };
  const result = await ctx.aws.cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ["MetricAlarm", "CompositeAlarm"] }),
  );
  const metric = result.MetricAlarms ?? [];
  const composite = (result.CompositeAlarms ?? []).map((a) => a.AlarmName ?? "?");
  const states = [...metric, ...(result.CompositeAlarms ?? [])].map((a) => ({ name: a.AlarmName ?? "?", state: a.StateValue, reason: a.StateReason }));
  const missing = names.filter((name) => !states.some((s) => s.name === name));
  return { states, metric, composite, missing };
}

/**
 * Composite alarms are refused, not supported. Reading one with DescribeAlarms needs
 * cloudwatch:DescribeAlarms on `*` (AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html:
 * with a narrower scope CloudWatch returns no composite alarm), and the deploy role names this
 * stack's alarms only (DESIGN decision 9). A composite's time to fire would also depend on its
 * children, which the role cannot read either. So a composite alarm looks absent to the deploy
 * role; both cases are refused by name before anything changes. List the composite's metric
 * alarms in ROLLBACK_ALARM_NAMES instead.
 */
const unusable = ({ composite, missing }: GuardingAlarms): string[] => [
  ...composite.map((name) => `alarm ${name} is a composite alarm: ROLLBACK_ALARM_NAMES takes metric alarms only (list its metric alarms instead)`),
  ...missing.map(
    (name) =>
      `alarm ${name} does not exist, or is a composite alarm the deploy role cannot read: ROLLBACK_ALARM_NAMES takes this stack's metric alarms only`,
  ),
];

/** The metric alarms guarding `color`; refuses (exit 2, a stack output naming an unusable alarm) anything else. */
async function requireGuardingMetricAlarms(ctx: ReleaseContext, color: Color): Promise<MetricAlarm[]> {
  const alarms = await describeGuardingAlarms(ctx, color);
  const problems = unusable(alarms);
  if (problems.length) throw usageError(problems.join("\n  "));
  return alarms.metric;
}

/**
 * Problems with the rollback alarms guarding `color`: alarms in ALARM state, and configured alarms
 * that do not exist (a renamed alarm must fail the check, not silently stop guarding releases).
 */
export async function alarmProblems(ctx: ReleaseContext, color: Color): Promise<string[]> {
  const alarms = await describeGuardingAlarms(ctx, color);
  return [
    ...alarms.states.filter((a) => a.state === "ALARM").map((a) => `alarm ${a.name} is in ALARM: ${a.reason ?? "no reason given"}`),
    ...unusable(alarms),
  ];
}

export interface AlarmDelay {
  alarm: string;
  periodSeconds: number;
  datapoints: number;
  seconds: number;
}

/**
 * The shortest time after which `alarm` can be in ALARM for a problem that starts now: it needs
 * `DatapointsToAlarm` (M) breaching datapoints of its period, and a period's datapoint is only
 * there once the period has ended and the metric arrived (AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html,
 * "Evaluating an alarm"; ALB metrics are published per 60 s:
 * elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html). So M periods
 * plus one period of delay. A metric-math alarm has no period of its own: its metrics' longest counts.
 */
export function alarmDelay(alarm: MetricAlarm): AlarmDelay {
  const periods = [alarm.Period, ...(alarm.Metrics ?? []).flatMap((m) => [m.Period, m.MetricStat?.Period])].filter((p): p is number => !!p);
  if (!periods.length) throw new Error(`alarm ${alarm.AlarmName} shows no period: cannot tell how long it needs to evaluate`);
  const periodSeconds = Math.max(...periods);
  const datapoints = alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods ?? 1;
  return { alarm: alarm.AlarmName ?? "?", periodSeconds, datapoints, seconds: periodSeconds * (datapoints + 1) };
}

/**
 * How long `alarm` may still judge a condition that has ended: it evaluates the last
 * `EvaluationPeriods` periods, the latest of which arrives up to a period late ("Evaluating an
 * alarm", as in alarmDelay). An alarm read sooner may still be (or turn) ALARM for the time before.
 */
export function alarmMemorySeconds(alarm: MetricAlarm): number {
  const { periodSeconds } = alarmDelay(alarm);
  return periodSeconds * ((alarm.EvaluationPeriods ?? 1) + 1);
}

/**
 * Refuses (exit 2, before anything changes) a bake or a watch during which the alarms guarding
 * `color` could not fire: one shorter than the slowest of them proves nothing, and a watch that
 * ends "clean" that soon would release the old color's hold before any alarm judged the new one.
 * `flag` names the option that gave `seconds` (`--bake`, `--duration`). Also refuses alarms the
 * tool cannot use (composite or missing), since the wait would then watch nothing. Returns the
 * guarding alarms.
 */
export async function requireTimeToAlarm(ctx: ReleaseContext, color: Color, flag: string, seconds: number): Promise<MetricAlarm[]> {
  const alarms = await requireGuardingMetricAlarms(ctx, color);
  const delays = alarms.map(alarmDelay);
  const slowest = delays.reduce<AlarmDelay | undefined>((a, b) => (a && a.seconds >= b.seconds ? a : b), undefined);
  if (slowest && seconds < slowest.seconds) {
    throw usageError(
      `${flag} ${seconds} is shorter than alarm ${slowest.alarm} needs to reach ALARM: ${slowest.datapoints} datapoints of ` +
        `${slowest.periodSeconds}s plus one period of delay = ${slowest.seconds}s; use ${flag} ${slowest.seconds} or more`,
    );
  }
  return alarms;
}
