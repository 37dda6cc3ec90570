/**
 * Production traffic and what it does to the world: requests per second (changeable over virtual
 * time) split over the colors by the production listener's weights, spread evenly over each
 * target group's healthy targets (least outstanding requests evens them out), answered per the
 * release each instance runs; CPU per instance from its load; and the per-minute metrics this
 * yields, published to CloudWatch (cloudwatch.ts says when they become visible).
 *
 * - Routing (elasticloadbalancing/latest/application/target-group-health-checks.html): only
 *   healthy targets get requests; a target group with none healthy "fails open" to all its
 *   non-draining targets; one with no targets at all makes the load balancer answer 503
 *   (HTTPCode_ELB_5XX_Count). A target whose app is down answers 503 from nginx (target 5xx).
 * - Metrics (application/load-balancer-cloudwatch-metrics.html): RequestCount,
 *   HTTPCode_Target_5XX_Count, TargetResponseTime (seconds, percentiles) per target group only
 *   for minutes with requests (error counts only when non-zero, hence FILL in the alarms);
 *   HealthyHostCount/UnHealthyHostCount every minute for target groups a listener uses;
 *   HTTPCode_ELB_5XX_Count per load balancer; AWS/EC2 CPUUtilization per Auto Scaling group,
 *   averaged over the instances past their warm-up (what target tracking aggregates).
 * - CPU and capacity: the model's own assumptions standing in for the app: CPU grows linearly with
 *   load (`cpuPerRps`), and an instance answers at most `overloadRps` requests per second; nginx
 *   answers the rest with 503 and the served ones queue (`OVERLOAD_LATENCY_MS`).
 */
import { errorRate, latencyMs, isRunning, type Instance } from "./instances";
import { forwardWeights, type TargetGroup } from "./elb";
import type { Datapoint, Dimensions } from "./cloudwatch";
import type { World } from "./world";

interface InstanceRate {
  rps: number;
  errorRps: number;
  latencyMs: number;
}

interface GroupMinute {
  requests: number;
  target5xx: number;
  latency: Map<number, number>;
  healthy: { min: number; max: number; weighted: number };
  unhealthy: { min: number; max: number; weighted: number };
}

const IDLE_CPU = 2;
/** More than any alarm here looks back (15 one-minute periods for target tracking's low alarm). */
const BACKFILL_MINUTES = 20;
const OVERLOAD_LATENCY_MS = 2_500;

export class TrafficModel {
  /** Production requests per second reaching the ALB. */
  private loadRps = 0;
  cpuPerRps = 0.5;
  overloadRps = 300;
  private rates = new Map<string, InstanceRate>();
  private elb5xxRps = 0;
  private lastAt: number;
  private minuteStart: number;
  private groupMinutes = new Map<string, GroupMinute>();
  private elb5xxMinute = 0;
  /** Instance -> CPU-milliseconds accumulated this minute. */
  private cpuMinute = new Map<string, number>();
  /** The datapoints of the last closed minute. */
  private lastMinute: [string, string, Dimensions, Omit<Datapoint, "visibleAt">][] = [];

  constructor(private readonly world: World) {
    this.lastAt = world.clock.now();
    this.minuteStart = Math.floor(this.lastAt / 60_000) * 60_000;
  }

  setLoad(rps: number) {
    this.loadRps = rps;
    this.world.changed({ type: "load", rps });
  }

  instanceRps(id: string): number | undefined {
    return this.rates.get(id)?.rps;
  }

  cpu(instance: Instance): number {
    return Math.min(100, IDLE_CPU + (this.rates.get(instance.id)?.rps ?? 0) * this.cpuPerRps);
  }

  /** Share of production requests each target group receives, per the listener's data plane. */
  shares(): Map<string, number> {
    const listener = this.world.elb.listeners.get(this.world.productionListenerArn);
    const weights = listener ? forwardWeights(listener.actions) : new Map<string, number>();
    const total = [...weights.values()].reduce((a, b) => a + b, 0);
    return new Map([...weights].map(([arn, w]) => [arn, total ? w / total : 0]));
  }

  /** The targets of a group that take requests now (healthy ones, or all but draining when none is). */
  routable(tg: TargetGroup): string[] {
    const targets = [...tg.targets.values()];
    const healthy = targets.filter((t) => t.state === "healthy").map((t) => t.id);
    return healthy.length ? healthy : targets.filter((t) => t.state !== "draining" && t.state !== "unused").map((t) => t.id);
  }

  /**
   * Called on every change of the world (after the change): the rates that held until now are
   * booked, new ones computed.
   */
  onChange() {
    this.accumulate();
    this.recompute();
  }

  private recompute() {
    this.rates = new Map();
    this.elb5xxRps = 0;
    for (const [arn, share] of this.shares()) {
      const rps = this.loadRps * share;
      if (!rps) continue;
      const ids = this.routable(this.world.elb.targetGroup(arn));
      if (!ids.length) {
        this.elb5xxRps += rps;
        continue;
      }
      for (const id of ids) {
        const instance = this.world.instances.get(id);
        const each = rps / ids.length;
        if (!instance || !isRunning(instance)) {
          this.elb5xxRps += each;
          continue;
        }
        const served = Math.min(1, this.overloadRps / each);
        this.rates.set(id, {
          rps: each,
          errorRps: each * (1 - (1 - errorRate(instance, each)) * served),
          latencyMs: served < 1 ? OVERLOAD_LATENCY_MS : latencyMs(instance),
        });
      }
    }
  }

  private groupMinute(arn: string): GroupMinute {
    let minute = this.groupMinutes.get(arn);
    if (!minute) {
      const counts = this.hostCounts(this.world.elb.targetGroup(arn));
      minute = {
        requests: 0,
        target5xx: 0,
        latency: new Map(),
        healthy: { min: counts.healthy, max: counts.healthy, weighted: 0 },
        unhealthy: { min: counts.unhealthy, max: counts.unhealthy, weighted: 0 },
      };
      this.groupMinutes.set(arn, minute);
    }
    return minute;
  }

  private hostCounts(tg: TargetGroup) {
    const targets = [...tg.targets.values()];
    return { healthy: targets.filter((t) => t.state === "healthy").length, unhealthy: targets.filter((t) => t.state === "unhealthy").length };
  }

  /** Books the current rates from the last booking until now. */
  private accumulate() {
    const now = this.world.clock.now();
    const seconds = (now - this.lastAt) / 1000;
    this.lastAt = now;
    for (const tg of this.world.elb.targetGroups.values()) {
      const minute = this.groupMinute(tg.arn);
      const counts = this.hostCounts(tg);
      for (const [key, value] of [["healthy", counts.healthy], ["unhealthy", counts.unhealthy]] as const) {
        minute[key].weighted += value * seconds;
        minute[key].min = Math.min(minute[key].min, value);
        minute[key].max = Math.max(minute[key].max, value);
      }
      for (const target of tg.targets.values()) {
        const rate = this.rates.get(target.id);
        if (!rate) continue;
        minute.requests += rate.rps * seconds;
        minute.target5xx += rate.errorRps * seconds;
        minute.latency.set(rate.latencyMs / 1000, (minute.latency.get(rate.latencyMs / 1000) ?? 0) + rate.rps * seconds);
      }
    }
    this.elb5xxMinute += this.elb5xxRps * seconds;
    for (const instance of this.world.instances.values()) {
      if (instance.lifecycle === "Terminated") continue;
      this.cpuMinute.set(instance.id, (this.cpuMinute.get(instance.id) ?? 0) + this.cpu(instance) * seconds);
    }
  }

  /** At each minute boundary (world.ts runs it): the minute's datapoints go to CloudWatch. */
  closeMinute() {
    this.accumulate();
    const start = this.minuteStart;
    const seconds = (this.world.clock.now() - start) / 1000;
    this.minuteStart = this.world.clock.now();
    const published: [string, string, Dimensions, Omit<Datapoint, "visibleAt">][] = [];
    const cw = { publish: (ns: string, name: string, dims: Dimensions, point: Omit<Datapoint, "visibleAt">) => published.push([ns, name, dims, point]) };
    const once = (value: number) => ({ periodStart: start, sum: value, count: 1, min: value, max: value });
    for (const tg of this.world.elb.targetGroups.values()) {
      const minute = this.groupMinute(tg.arn);
      const lb = this.world.elb.loadBalancers.get(tg.loadBalancerArn)!;
      const dims = { LoadBalancer: lb.arnSuffix, TargetGroup: tg.arnSuffix };
      if (this.world.elb.inUse(tg)) {
        for (const key of ["healthy", "unhealthy"] as const) {
          const m = minute[key];
          cw.publish("AWS/ApplicationELB", key === "healthy" ? "HealthyHostCount" : "UnHealthyHostCount", dims, {
            periodStart: start,
            sum: seconds ? m.weighted / seconds : m.max,
            count: 1,
            min: m.min,
            max: m.max,
          });
        }
      }
      if (minute.requests >= 0.5) {
        cw.publish("AWS/ApplicationELB", "RequestCount", dims, once(Math.round(minute.requests)));
        cw.publish("AWS/ApplicationELB", "TargetResponseTime", dims, {
          periodStart: start,
          sum: [...minute.latency].reduce((a, [v, w]) => a + v * w, 0),
          count: minute.requests,
          min: Math.min(...minute.latency.keys()),
          max: Math.max(...minute.latency.keys()),
          histogram: minute.latency,
        });
        if (Math.round(minute.target5xx) > 0) cw.publish("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", dims, once(Math.round(minute.target5xx)));
      }
    }
    for (const lb of this.world.elb.loadBalancers.values()) {
      if (Math.round(this.elb5xxMinute) > 0) cw.publish("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", { LoadBalancer: lb.arnSuffix }, once(Math.round(this.elb5xxMinute)));
    }
    for (const group of this.world.autoscaling.groups.values()) {
      const warm = this.world.autoscaling.inService(group).filter((i) => this.world.autoscaling.isWarm(group, i));
      if (!warm.length || !seconds) continue;
      const cpus = warm.map((i) => (this.cpuMinute.get(i.id) ?? 0) / seconds);
      cw.publish("AWS/EC2", "CPUUtilization", { AutoScalingGroupName: group.name }, {
        periodStart: start,
        sum: cpus.reduce((a, b) => a + b, 0),
        count: cpus.length,
        min: Math.min(...cpus),
        max: Math.max(...cpus),
      });
    }
    for (const [ns, name, dims, point] of published) this.world.cloudwatch.publish(ns, name, dims, point);
    this.lastMinute = published;
    this.groupMinutes = new Map();
    this.elb5xxMinute = 0;
    this.cpuMinute = new Map();
  }

  /**
   * After a quiet stretch with no minute closed (world.ts): nothing changed meanwhile, so each
   * skipped minute had the datapoints of the last closed one. The recent ones are published
   * (alarms look back at most `BACKFILL_MINUTES`), and booking restarts at the current minute.
   */
  resumeAfterQuiet(firstSkipped: number) {
    const minuteStart = Math.floor(this.world.clock.now() / 60_000) * 60_000;
    for (let start = Math.max(firstSkipped, minuteStart - BACKFILL_MINUTES * 60_000); start < minuteStart; start += 60_000) {
      for (const [ns, name, dims, point] of this.lastMinute) this.world.cloudwatch.publish(ns, name, dims, { ...point, periodStart: start });
    }
    this.minuteStart = minuteStart;
    this.lastAt = minuteStart;
    this.groupMinutes = new Map();
    this.elb5xxMinute = 0;
    this.cpuMinute = new Map();
  }
}
