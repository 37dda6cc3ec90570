/**
 * CloudWatch: per-minute metric datapoints that arrive late, metric alarms (single metric or
 * metric math) evaluated per period, composite alarms, DescribeAlarms.
 *
 * - Datapoints: Elastic Load Balancing sends its metrics in 60-second intervals, and only while
 *   requests flow (elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html);
 *   host counts come from health checks and are sent every minute. How late a datapoint becomes
 *   visible is not documented: the model ASSUMES `publishDelayMs` (40 s) after the minute ends.
 * - Evaluation (AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html, "Evaluating an
 *   alarm"; alarms-and-missing-data.html): at each evaluation the alarm looks at the last
 *   `EvaluationPeriods` periods whose data is due; it is in ALARM when at least
 *   `DatapointsToAlarm` of them breach the threshold (ComparisonOperator), else OK. Missing
 *   datapoints count as TreatMissingData says: `breaching`, `notBreaching`, `ignore` (the state is
 *   kept when nothing is present), `missing` (INSUFFICIENT_DATA when nothing is present). So with
 *   period P and M of N, an alarm cannot fire sooner than about M × P plus the publication delay.
 *   Evaluation runs once per minute, right after that minute's datapoints are published
 *   (world.ts schedules it, and pauses it while nothing in the world changes).
 * - Metric math (using-metric-math.html): arithmetic, comparisons, FILL and IF over the queries'
 *   ids; a missing operand makes the period missing.
 * - Composite alarms (Create_Composite_Alarm.html): an AlarmRule over ALARM(), OK(),
 *   INSUFFICIENT_DATA(), TRUE, FALSE with AND, OR, NOT, evaluated whenever an alarm changes.
 * - DescribeAlarms (AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html): without
 *   AlarmTypes only metric alarms are returned; composite alarms are returned only to a caller
 *   whose cloudwatch:DescribeAlarms permission is scoped to `*` ("you can't return information
 *   about composite alarms if your cloudwatch:DescribeAlarms permission has a narrower scope"):
 *   the model leaves them out of the answer when `compositeAlarmsReadable` is false (what the
 *   deploy role's policy decides; see seed.ts).
 * - An alarm with an Auto Scaling action invokes it every minute while in ALARM
 *   (AlarmThatSendsEmail.html: the exception to "actions only on a state change").
 */
import { AwsError, type Wire } from "./protocols";
import type { ServiceEndpoint } from "./server";
import type { World } from "./world";

export type Dimensions = Record<string, string>;

export interface Datapoint {
  periodStart: number;
  visibleAt: number;
  sum: number;
  count: number;
  min: number;
  max: number;
  /** Value -> weight, for percentile statistics. */
  histogram?: Map<number, number>;
}

export interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Dimensions;
  period: number;
  stat: string;
}

export interface MetricQuery {
  id: string;
  metric?: MetricRef;
  expression?: string;
  label?: string;
  returnData: boolean;
}

export type AlarmState = "OK" | "ALARM" | "INSUFFICIENT_DATA";

export interface MetricAlarm {
  name: string;
  arn: string;
  description?: string;
  /** One query (a single metric) or several with one returning data (metric math). */
  queries: MetricQuery[];
  period: number;
  evaluationPeriods: number;
  datapointsToAlarm: number;
  threshold: number;
  comparisonOperator: string;
  treatMissingData: "breaching" | "notBreaching" | "ignore" | "missing";
  state: AlarmState;
  reason: string;
  updatedAt: number;
  /** An Auto Scaling action (target tracking): invoked each minute in ALARM with the latest value. */
  autoScalingAction?: (value: number) => void;
  /** Seeded from a single-metric declaration (shapes DescribeAlarms). */
  single: boolean;
}

export interface CompositeAlarm {
  name: string;
  arn: string;
  rule: string;
  state: AlarmState;
  reason: string;
  updatedAt: number;
}

export const metricKey = (namespace: string, name: string, dimensions: Dimensions) =>
  `${namespace}|${name}|${Object.keys(dimensions).sort().map((k) => `${k}=${dimensions[k]}`).join(",")}`;

function statistic(point: Datapoint, stat: string): number {
  switch (stat) {
    case "Sum":
      return point.sum;
    case "Average":
      return point.sum / point.count;
    case "Maximum":
      return point.max;
    case "Minimum":
      return point.min;
    case "SampleCount":
      return point.count;
  }
  const percentile = /^p(\d+(\.\d+)?)$/.exec(stat);
  if (!percentile || !point.histogram) throw new Error(`the model does not compute statistic ${stat}`);
  const wanted = (Number(percentile[1]) / 100) * [...point.histogram.values()].reduce((a, b) => a + b, 0);
  let seen = 0;
  for (const [value, weight] of [...point.histogram].sort((a, b) => a[0] - b[0])) {
    seen += weight;
    if (seen >= wanted) return value;
  }
  return point.max;
}

const COMPARE: Record<string, (v: number, t: number) => boolean> = {
  GreaterThanThreshold: (v, t) => v > t,
  GreaterThanOrEqualToThreshold: (v, t) => v >= t,
  LessThanThreshold: (v, t) => v < t,
  LessThanOrEqualToThreshold: (v, t) => v <= t,
};

export class CloudWatchModel {
  readonly datapoints = new Map<string, Map<number, Datapoint>>();
  readonly alarms = new Map<string, MetricAlarm>();
  readonly composites = new Map<string, CompositeAlarm>();
  publishDelayMs = 40_000;
  /** Whether the caller may read composite alarms (DescribeAlarms allowed on `*`). */
  compositeAlarmsReadable = true;

  constructor(private readonly world: World) {}

  publish(namespace: string, name: string, dimensions: Dimensions, point: Omit<Datapoint, "visibleAt">) {
    const key = metricKey(namespace, name, dimensions);
    const series = this.datapoints.get(key) ?? new Map<number, Datapoint>();
    series.set(point.periodStart, { ...point, visibleAt: point.periodStart + 60_000 + this.publishDelayMs });
    this.datapoints.set(key, series);
  }

  /** The statistic for the period starting at `start`, if its datapoints are visible by now. */
  private value(metric: MetricRef, start: number): number | undefined {
    const series = this.datapoints.get(metricKey(metric.namespace, metric.metricName, metric.dimensions));
    if (!series) return undefined;
    const now = this.world.clock.now();
    const points = [...Array(metric.period / 60).keys()].map((i) => series.get(start + i * 60_000)).filter((p): p is Datapoint => !!p && p.visibleAt <= now);
    if (!points.length) return undefined;
    const merged: Datapoint = {
      periodStart: start,
      visibleAt: 0,
      sum: points.reduce((a, p) => a + p.sum, 0),
      count: points.reduce((a, p) => a + p.count, 0),
      min: Math.min(...points.map((p) => p.min)),
      max: Math.max(...points.map((p) => p.max)),
      histogram: points.some((p) => p.histogram) ? mergeHistograms(points.map((p) => p.histogram)) : undefined,
    };
    return statistic(merged, metric.stat);
  }

  private alarmValue(alarm: MetricAlarm, start: number): number | undefined {
    const values = new Map<string, number | undefined>();
    for (const query of alarm.queries) if (query.metric) values.set(query.id, this.value(query.metric, start));
    const result = alarm.queries.find((q) => q.returnData) ?? alarm.queries[0]!;
    return result.expression ? evaluateExpression(result.expression, values) : values.get(result.id);
  }

  addAlarm(alarm: Omit<MetricAlarm, "state" | "reason" | "updatedAt">) {
    this.alarms.set(alarm.name, { ...alarm, state: "INSUFFICIENT_DATA", reason: "Unchecked: Initial alarm creation", updatedAt: this.world.clock.now() });
  }

  /** An alarm's ARN, metric or composite (AmazonCloudWatch/latest/APIReference/API_MetricAlarm.html, AlarmArn). */
  alarmArn(name: string): string {
    return `arn:aws:cloudwatch:${this.world.region}:${this.world.accountId}:alarm:${name}`;
  }

  addCompositeAlarm(name: string, rule: string) {
    this.composites.set(name, { name, arn: this.alarmArn(name), rule, state: "INSUFFICIENT_DATA", reason: "Unchecked: Initial alarm creation", updatedAt: this.world.clock.now() });
    this.evaluateComposites();
  }

  alarmState(name: string): AlarmState | undefined {
    return this.alarms.get(name)?.state ?? this.composites.get(name)?.state;
  }

  /** Evaluates every metric alarm on the periods due now, then the composites, then Auto Scaling actions. */
  evaluateAll() {
    for (const alarm of this.alarms.values()) this.evaluate(alarm);
    this.evaluateComposites();
    for (const alarm of this.alarms.values()) {
      if (alarm.state !== "ALARM" || !alarm.autoScalingAction) continue;
      const latest = this.alarmValue(alarm, this.lastDuePeriod(alarm));
      if (latest !== undefined) alarm.autoScalingAction(latest);
    }
  }

  private lastDuePeriod(alarm: MetricAlarm): number {
    const p = alarm.period * 1000;
    return Math.floor((this.world.clock.now() - this.publishDelayMs) / p) * p - p;
  }

  private evaluate(alarm: MetricAlarm) {
    const p = alarm.period * 1000;
    const last = this.lastDuePeriod(alarm);
    const values = [...Array(alarm.evaluationPeriods).keys()].map((i) => this.alarmValue(alarm, last - i * p));
    const compare = COMPARE[alarm.comparisonOperator];
    if (!compare) throw new Error(`the model does not implement ComparisonOperator ${alarm.comparisonOperator}`);
    const present = values.filter((v): v is number => v !== undefined);
    let breaching = present.filter((v) => compare(v, alarm.threshold)).length;
    if (alarm.treatMissingData === "breaching") breaching += values.length - present.length;
    let next: AlarmState;
    if (!present.length && (alarm.treatMissingData === "missing" || alarm.treatMissingData === "ignore")) {
      next = alarm.treatMissingData === "ignore" ? alarm.state : "INSUFFICIENT_DATA";
    } else {
      next = breaching >= alarm.datapointsToAlarm ? "ALARM" : "OK";
    }
    if (next === alarm.state) return;
    const shown = values.map((v) => (v === undefined ? "missing" : String(Math.round(v * 1000) / 1000))).join(", ");
    this.setState(alarm, next, `Threshold Crossed: ${breaching} out of the last ${alarm.evaluationPeriods} datapoints [${shown}] ${next === "ALARM" ? "were" : "were not"} ${alarm.comparisonOperator} the threshold (${alarm.threshold}) (minimum ${alarm.datapointsToAlarm} datapoints for OK -> ALARM transition).`);
  }

  private setState(alarm: MetricAlarm | CompositeAlarm, state: AlarmState, reason: string) {
    Object.assign(alarm, { state, reason, updatedAt: this.world.clock.now() });
    this.world.changed({ type: "alarm", name: alarm.name, state });
  }

  private evaluateComposites() {
    for (let changed = true, rounds = 0; changed && rounds < 10; rounds++) {
      changed = false;
      for (const composite of this.composites.values()) {
        const next: AlarmState = evaluateRule(composite.rule, (name) => this.alarmState(name)) ? "ALARM" : "OK";
        if (next === composite.state) continue;
        this.setState(composite, next, `${next === "ALARM" ? "" : "No longer: "}${composite.rule}`);
        changed = true;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // API

  private metricAlarmWire(alarm: MetricAlarm): Wire {
    const common = {
      AlarmName: alarm.name,
      AlarmArn: alarm.arn,
      ...(alarm.description && { AlarmDescription: alarm.description }),
      ActionsEnabled: true,
      StateValue: alarm.state,
      StateReason: alarm.reason,
      StateUpdatedTimestamp: new Date(alarm.updatedAt),
      StateTransitionedTimestamp: new Date(alarm.updatedAt),
      EvaluationPeriods: alarm.evaluationPeriods,
      DatapointsToAlarm: alarm.datapointsToAlarm,
      Threshold: alarm.threshold,
      ComparisonOperator: alarm.comparisonOperator,
      TreatMissingData: alarm.treatMissingData,
    };
    const dims = (d: Dimensions) => Object.entries(d).map(([Name, Value]) => ({ Name, Value }));
    if (alarm.single) {
      const m = alarm.queries[0]!.metric!;
      const percentile = /^p\d/.test(m.stat);
      return { ...common, Namespace: m.namespace, MetricName: m.metricName, Dimensions: dims(m.dimensions), Period: alarm.period, ...(percentile ? { ExtendedStatistic: m.stat } : { Statistic: m.stat }) };
    }
    return {
      ...common,
      Metrics: alarm.queries.map((q) => ({
        Id: q.id,
        ReturnData: q.returnData,
        ...(q.label && { Label: q.label }),
        ...(q.expression && { Expression: q.expression }),
        ...(q.metric && { MetricStat: { Metric: { Namespace: q.metric.namespace, MetricName: q.metric.metricName, Dimensions: dims(q.metric.dimensions) }, Period: q.metric.period, Stat: q.metric.stat } }),
      })),
    };
  }

  endpoint(): ServiceEndpoint {
    return {
      protocol: "json",
      version: "1.0",
      queryCompatible: true,
      operations: {
        DescribeAlarms: (input) => {
          const names: string[] | undefined = input.AlarmNames;
          if (names && names.length > 100) throw new AwsError("ValidationError", "The collection AlarmNames must not have a size greater than 100.");
          const types: string[] = input.AlarmTypes ?? ["MetricAlarm"];
          const wanted = (name: string, state: AlarmState) =>
            (!names?.length || names.includes(name)) && (!input.AlarmNamePrefix || name.startsWith(input.AlarmNamePrefix)) && (!input.StateValue || input.StateValue === state);
          return {
            MetricAlarms: types.includes("MetricAlarm") ? [...this.alarms.values()].filter((a) => wanted(a.name, a.state)).map((a) => this.metricAlarmWire(a)) : [],
            CompositeAlarms:
              types.includes("CompositeAlarm") && this.compositeAlarmsReadable
                ? [...this.composites.values()].filter((c) => wanted(c.name, c.state)).map((c) => ({
                    AlarmName: c.name,
                    AlarmArn: c.arn,
                    AlarmRule: c.rule,
                    ActionsEnabled: true,
                    StateValue: c.state,
                    StateReason: c.reason,
                    StateUpdatedTimestamp: new Date(c.updatedAt),
                    StateTransitionedTimestamp: new Date(c.updatedAt),
                  }))
                : [],
          };
        },
      },
    };
  }
}

function mergeHistograms(histograms: (Map<number, number> | undefined)[]): Map<number, number> {
  const merged = new Map<number, number>();
  for (const h of histograms) for (const [v, w] of h ?? []) merged.set(v, (merged.get(v) ?? 0) + w);
  return merged;
}

/**
 * Metric math over per-period values (using-metric-math.html): numbers, query ids, + - * /,
 * comparisons (> < >= <= == !=, 1 for true, 0 for false), AND/&&, OR/||, FILL(x, value) and
 * IF(condition, then, else). A missing operand makes the period missing (FILL fills it).
 */
export function evaluateExpression(expression: string, values: Map<string, number | undefined>): number | undefined {
  const tokens = expression.match(/\d+(\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|>=|<=|==|!=|&&|\|\||[-+*/(),<>]/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const take = (expected?: string) => {
    const token = tokens[at++];
    if (expected !== undefined && token !== expected) throw new Error(`metric math: expected ${expected} in ${expression}`);
    return token;
  };
  const binary: Record<string, (a: number, b: number) => number> = {
    "+": (a, b) => a + b,
    "-": (a, b) => a - b,
    "*": (a, b) => a * b,
    "/": (a, b) => a / b,
    ">": (a, b) => Number(a > b),
    "<": (a, b) => Number(a < b),
    ">=": (a, b) => Number(a >= b),
    "<=": (a, b) => Number(a <= b),
    "==": (a, b) => Number(a === b),
    "!=": (a, b) => Number(a !== b),
    "&&": (a, b) => Number(a !== 0 && b !== 0),
    "||": (a, b) => Number(a !== 0 || b !== 0),
  };
  const apply = (a: number | undefined, op: string, b: number | undefined) => {
    if (a === undefined || b === undefined) return undefined;
    const result = binary[op === "AND" ? "&&" : op === "OR" ? "||" : op]!(a, b);
    return Number.isFinite(result) ? result : undefined;
  };
  /** Operators by precedence, loosest first. */
  const levels = [["||", "OR"], ["&&", "AND"], ["==", "!=", ">", "<", ">=", "<="], ["+", "-"], ["*", "/"]];
  const level = (n: number): number | undefined => {
    if (n === levels.length) return primary();
    let value = level(n + 1);
    while (levels[n]!.includes(peek() ?? "")) value = apply(value, take()!, level(n + 1));
    return value;
  };
  const args = (count: number) => {
    take("(");
    const values = [...Array(count).keys()].map((i) => {
      if (i) take(",");
      return level(0);
    });
    take(")");
    return values;
  };
  const primary = (): number | undefined => {
    const token = take();
    if (token === "(") {
      const value = level(0);
      take(")");
      return value;
    }
    if (token === "-") return apply(0, "-", primary());
    if (/^\d/.test(token!)) return Number(token);
    if (token === "FILL") {
      const [value, fill] = args(2);
      return value ?? fill;
    }
    if (token === "IF") {
      const [condition, then, otherwise] = args(3);
      return condition === undefined ? undefined : condition !== 0 ? then : otherwise;
    }
    if (!values.has(token!)) throw new Error(`metric math: the model does not know ${token} in ${expression}`);
    return values.get(token!);
  };
  const result = level(0);
  if (at !== tokens.length) throw new Error(`metric math: unexpected ${peek()} in ${expression}`);
  return result;
}

/** A composite AlarmRule: ALARM("x"), OK(x), INSUFFICIENT_DATA(x), TRUE, FALSE, AND, OR, NOT, ( ). */
export function evaluateRule(rule: string, state: (name: string) => AlarmState | undefined): boolean {
  const tokens = rule.match(/"[^"]*"|[A-Za-z_][A-Za-z0-9_:\-./]*|[()]/g) ?? [];
  let at = 0;
  const take = () => tokens[at++];
  const atom = (): boolean => {
    const token = take();
    if (token === "(") {
      const value = or();
      take();
      return value;
    }
    if (token === "NOT") return !atom();
    if (token === "TRUE") return true;
    if (token === "FALSE") return false;
    if (token === "ALARM" || token === "OK" || token === "INSUFFICIENT_DATA") {
      take();
      const name = take()!.replace(/^"|"$/g, "");
      take();
      return state(name) === token;
    }
    throw new Error(`AlarmRule: the model cannot read ${token} in ${rule}`);
  };
  const and = () => {
    let value = atom();
    while (tokens[at] === "AND") {
      take();
      value = atom() && value;
    }
    return value;
  };
  const or = (): boolean => {
    let value = and();
    while (tokens[at] === "OR") {
      take();
      value = and() || value;
    }
    return value;
  };
  return or();
}
