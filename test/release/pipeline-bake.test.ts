/**
 * The pipeline's bakes and watches against the stack's own alarms: a bake (or watch) shorter than
 * the time its alarms need to reach ALARM cannot catch anything, and `switch` (`--bake`) and
 * `watch` (`--duration`) refuse one at run time (release/aws/alarms.ts). This catches it in the
 * merge request instead.
 */
import type { MetricAlarm } from "@aws-sdk/client-cloudwatch";
import { expect } from "chai";
import { alarmDelay } from "../../release/aws/alarms";
import { simulateStack } from "../../infra/simulate";
import { loadPipeline } from "../pipeline/gitlab-ci";

/** A MetricAlarm as DescribeAlarms would return it for an alarm the infra program declares. */
function asDescribed(inputs: Record<string, any>): MetricAlarm {
  return {
    AlarmName: inputs.name,
    Period: inputs.period,
    EvaluationPeriods: inputs.evaluationPeriods,
    DatapointsToAlarm: inputs.datapointsToAlarm,
    Metrics: (inputs.metricQueries ?? []).map((q: Record<string, any>) => ({ Id: q.id, ...(q.metric && { MetricStat: { Period: q.metric.period } }) })),
  };
}

describe("release: the pipeline's bakes give the stack's alarms time to fire", () => {
  const pipeline = loadPipeline();
  for (const stack of ["staging", "production"]) {
    it(`switch:${stack}: SWITCH_BAKE_SECONDS and WATCH_SECONDS cover the slowest rollback alarm`, async () => {
      const sim = await simulateStack(stack);
      const alarms = sim.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm").map((r) => alarmDelay(asDescribed(r.inputs)));
      expect(alarms).to.have.length.greaterThan(0);
      const slowest = Math.max(...alarms.map((a) => a.seconds));
      expect(slowest).to.equal(180); // 2 of 3 datapoints of 60 s, plus a period of delay
      const variables = pipeline.jobs.get(`switch:${stack}`)!.variables;
      expect(Number(variables.SWITCH_BAKE_SECONDS), "SWITCH_BAKE_SECONDS").to.be.at.least(slowest);
      expect(Number(variables.WATCH_SECONDS), "WATCH_SECONDS").to.be.at.least(slowest);
    });
  }
});
