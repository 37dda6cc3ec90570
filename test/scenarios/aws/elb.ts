/**
 * Elastic Load Balancing v2: target groups with health checks and target states, listeners with
 * weighted forward actions, tags.
 *
 * - Target states (elasticloadbalancing/latest/APIReference/API_TargetHealth.html,
 *   elasticloadbalancing/latest/application/target-group-health-checks.html): a registered
 *   target is `initial` (reason Elb.RegistrationInProgress until its first check, then
 *   Elb.InitialHealthChecking) until HealthyThresholdCount consecutive checks pass (`healthy`) or
 *   UnhealthyThresholdCount fail (`unhealthy`); a healthy target turns unhealthy after
 *   UnhealthyThresholdCount consecutive failures and back after HealthyThresholdCount passes.
 *   Checks run every HealthCheckIntervalSeconds against `/health/deep`; the model's answer is
 *   whether the instance's app serves it (instances.ts). A target group no listener forwards to
 *   reports its targets `unused` (Target.NotInUse) and checks nothing.
 * - Deregistration (application/load-balancer-target-groups.html#deregistration-delay): the
 *   target is `draining` (Target.DeregistrationInProgress) for the deregistration delay and
 *   gets no new requests; a target with no in-flight requests finishes at once.
 * - Routing: requests go to healthy targets; with none healthy the load balancer routes to all
 *   targets ("fails open", target-group-health-checks.html).
 * - Listener reads lag writes: control-plane reads are eventually consistent, and no ELB page
 *   states a bound, so the model ASSUMES one: DescribeListeners shows a write only
 *   `listenerReadLagMs` after it (5 s by default). Traffic follows the write at once (also an
 *   assumption; the docs do not say how fast the data plane follows). ModifyListener answers
 *   with the listener as modified (API_ModifyListener.html, response `Listeners`).
 * - Forward actions (API_Action.html, API_ForwardActionConfig.html, API_TargetGroupTuple.html):
 *   weights 0–999; `TargetGroupArn` with `ForwardConfig` only for one matching target group.
 * - Tags (API_Tag.html, API_AddTags.html): keys 1–128, values 0–256 characters of
 *   `[\p{L}\p{Z}\p{N}_.:/=+\-@]`, no `aws:` prefix, at most 50 per resource; violations are a
 *   ValidationError (TooManyTags for the count).
 */
import type { Cancel } from "./clock";
import { isRunning, servesHealth } from "./instances";
import { AwsError, type Wire } from "./protocols";
import type { ServiceEndpoint } from "./server";
import type { World } from "./world";

export type TargetState = "initial" | "healthy" | "unhealthy" | "draining" | "unused";

export interface Target {
  id: string;
  port: number;
  state: TargetState;
  reason?: string;
  description?: string;
  passes: number;
  failures: number;
}

export interface HealthCheck {
  intervalSeconds: number;
  timeoutSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  path: string;
  matcher: string;
}

export interface TargetGroup {
  arn: string;
  name: string;
  /** `targetgroup/<name>/<id>`: the CloudWatch dimension. */
  arnSuffix: string;
  loadBalancerArn: string;
  port: number;
  healthCheck: HealthCheck;
  deregistrationDelaySeconds: number;
  targets: Map<string, Target>;
  tags: Map<string, string>;
}

export interface Listener {
  arn: string;
  loadBalancerArn: string;
  port: number;
  protocol: string;
  /** What the data plane does now. */
  actions: Wire[];
  /** What DescribeListeners shows: each write becomes visible `listenerReadLagMs` after it. */
  writes: { visibleAt: number; actions: Wire[] }[];
  tags: Map<string, string>;
}

export interface LoadBalancer {
  arn: string;
  arnSuffix: string;
}

const TAG_PATTERN = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;

/** Weight per target group ARN of a listener's forward default action (an omitted weight is 1). */
export function forwardWeights(actions: Wire[]): Map<string, number> {
  const weights = new Map<string, number>();
  const forward = actions.find((a) => a.Type === "forward");
  if (!forward) return weights;
  const groups: Wire[] | undefined = forward.ForwardConfig?.TargetGroups;
  if (groups?.length) for (const g of groups) weights.set(g.TargetGroupArn, (weights.get(g.TargetGroupArn) ?? 0) + (g.Weight ?? 1));
  else if (forward.TargetGroupArn) weights.set(forward.TargetGroupArn, 1);
  return weights;
}

export class ElbModel {
  readonly loadBalancers = new Map<string, LoadBalancer>();
  readonly targetGroups = new Map<string, TargetGroup>();
  readonly listeners = new Map<string, Listener>();
  listenerReadLagMs = 5_000;
  private readonly healthTicks = new Map<string, Cancel>();

  constructor(private readonly world: World) {}

  addLoadBalancer(lb: LoadBalancer) {
    this.loadBalancers.set(lb.arn, lb);
  }

  addTargetGroup(group: Omit<TargetGroup, "targets" | "tags">, tags: Record<string, string>) {
    this.targetGroups.set(group.arn, { ...group, targets: new Map(), tags: new Map(Object.entries(tags)) });
  }

  /**
   * Health checks run every interval while any target could change state; a group whose targets
   * are all settled (healthy and passing, unhealthy and failing, draining, unused) pauses them,
   * since more checks would change nothing, and resumes on the interval's grid at the next change.
   */
  resumeHealthChecks() {
    for (const tg of this.targetGroups.values()) {
      if (this.healthTicks.has(tg.arn) || this.settled(tg)) continue;
      this.healthTicks.set(tg.arn, this.world.clock.every(tg.healthCheck.intervalSeconds * 1000, 0, () => this.checkHealth(tg)));
    }
  }

  private settled(tg: TargetGroup): boolean {
    const used = this.inUse(tg);
    return [...tg.targets.values()].every((t) => {
      if (t.state === "draining") return true;
      if (!used) return t.state === "unused";
      const instance = this.world.instances.get(t.id);
      const pass = instance !== undefined && servesHealth(instance);
      return (t.state === "healthy" && pass && t.passes >= tg.healthCheck.healthyThreshold) || (t.state === "unhealthy" && !pass && t.failures >= tg.healthCheck.unhealthyThreshold);
    });
  }

  addListener(listener: Omit<Listener, "writes" | "tags">, tags: Record<string, string>) {
    const actions = listener.actions.map(normalizeAction);
    this.listeners.set(listener.arn, { ...listener, actions, writes: [{ visibleAt: -Infinity, actions }], tags: new Map(Object.entries(tags)) });
  }

  close() {
    for (const cancel of this.healthTicks.values()) cancel();
  }

  targetGroup(arn: string): TargetGroup {
    const tg = this.targetGroups.get(arn);
    if (!tg) throw new AwsError("TargetGroupNotFound", `One or more target groups not found: ${arn}`);
    return tg;
  }

  listener(arn: string): Listener {
    const listener = this.listeners.get(arn);
    if (!listener) throw new AwsError("ListenerNotFound", `One or more listeners not found: ${arn}`);
    return listener;
  }

  /** A target group is in use while a listener forwards to it (weight 0 included). */
  inUse(tg: TargetGroup): boolean {
    return [...this.listeners.values()].some((l) => forwardWeights(l.actions).has(tg.arn));
  }

  /** Sets a listener's actions as ModifyListener does: traffic at once, reads after the lag. */
  setListenerActions(arn: string, actions: Wire[]): Listener {
    const listener = this.listener(arn);
    const normalized = actions.map(normalizeAction);
    for (const action of normalized) this.validateAction(action);
    listener.actions = normalized;
    listener.writes.push({ visibleAt: this.world.clock.now() + this.listenerReadLagMs, actions: normalized });
    this.world.changed({ type: "listener-modified", arn, weights: Object.fromEntries(forwardWeights(normalized)) });
    return listener;
  }

  private visibleActions(listener: Listener): Wire[] {
    const now = this.world.clock.now();
    return listener.writes.filter((w) => w.visibleAt <= now).at(-1)!.actions;
  }

  private validateAction(action: Wire) {
    if (action.Type !== "forward") return;
    const groups: Wire[] = action.ForwardConfig?.TargetGroups ?? [];
    for (const g of groups) {
      this.targetGroup(g.TargetGroupArn);
      if (g.Weight !== undefined && (!Number.isInteger(g.Weight) || g.Weight < 0 || g.Weight > 999)) {
        throw new AwsError("ValidationError", `Target group weight must be between 0 and 999, got ${g.Weight}`);
      }
    }
    if (action.TargetGroupArn) {
      this.targetGroup(action.TargetGroupArn);
      if (groups.length && (groups.length !== 1 || groups[0]!.TargetGroupArn !== action.TargetGroupArn)) {
        throw new AwsError("ValidationError", "You cannot specify both a target group ARN and a forward config with different target groups");
      }
    }
  }

  /** Registration by the Auto Scaling group (before InService): `initial` until checks decide. */
  register(tgArn: string, instanceId: string) {
    const tg = this.targetGroup(tgArn);
    tg.targets.set(instanceId, { id: instanceId, port: tg.port, state: "initial", reason: "Elb.RegistrationInProgress", description: "Target registration is in progress", passes: 0, failures: 0 });
    this.world.changed({ type: "target-state", tgArn, instanceId, state: "initial" });
  }

  /** Deregistration: `draining` for the delay, or done at once if the target serves no requests. */
  deregister(tgArn: string, instanceId: string, onDone: () => void) {
    const tg = this.targetGroup(tgArn);
    const target = tg.targets.get(instanceId);
    if (!target || target.state === "draining") return onDone();
    const busy = (this.world.traffic.instanceRps(instanceId) ?? 0) > 0;
    if (!busy || tg.deregistrationDelaySeconds === 0) {
      tg.targets.delete(instanceId);
      this.world.changed({ type: "target-state", tgArn, instanceId, state: "deregistered" });
      return onDone();
    }
    Object.assign(target, { state: "draining", reason: "Target.DeregistrationInProgress", description: "Target deregistration is in progress" });
    this.world.changed({ type: "target-state", tgArn, instanceId, state: "draining" });
    this.world.clock.after(tg.deregistrationDelaySeconds * 1000, () => {
      tg.targets.delete(instanceId);
      this.world.changed({ type: "target-state", tgArn, instanceId, state: "deregistered" });
      onDone();
    });
  }

  private checkHealth(tg: TargetGroup) {
    this.runChecks(tg);
    if (this.settled(tg)) {
      this.healthTicks.get(tg.arn)?.();
      this.healthTicks.delete(tg.arn);
    }
  }

  private runChecks(tg: TargetGroup) {
    const used = this.inUse(tg);
    for (const target of tg.targets.values()) {
      if (target.state === "draining") continue;
      if (!used) {
        this.setState(tg, target, "unused", "Target.NotInUse", "Target group is not configured to receive traffic from the load balancer");
        continue;
      }
      const instance = this.world.instances.get(target.id);
      const pass = instance !== undefined && servesHealth(instance);
      if (pass) {
        target.passes++;
        target.failures = 0;
      } else {
        target.failures++;
        target.passes = 0;
      }
      const { healthyThreshold, unhealthyThreshold } = tg.healthCheck;
      const failReason = instance && isRunning(instance) && instance.app.state !== "none" ? "Target.ResponseCodeMismatch" : "Target.Timeout";
      const failText = failReason === "Target.Timeout" ? "Request timed out" : "Health checks failed with these codes: [503]";
      if (target.state === "healthy") {
        if (target.failures >= unhealthyThreshold) this.setState(tg, target, "unhealthy", failReason, failText);
      } else if (target.state === "unhealthy" || target.state === "unused") {
        if (target.passes >= healthyThreshold) this.setState(tg, target, "healthy");
        else if (!pass && target.state === "unused") this.setState(tg, target, "unhealthy", failReason, failText);
      } else if (target.passes >= healthyThreshold) {
        this.setState(tg, target, "healthy");
      } else if (target.failures >= unhealthyThreshold) {
        this.setState(tg, target, "unhealthy", failReason, failText);
      } else {
        Object.assign(target, { reason: "Elb.InitialHealthChecking", description: "Initial health checks in progress" });
      }
    }
  }

  private setState(tg: TargetGroup, target: Target, state: TargetState, reason?: string, description?: string) {
    const changed = target.state !== state;
    Object.assign(target, { state, reason, description });
    if (changed) this.world.changed({ type: "target-state", tgArn: tg.arn, instanceId: target.id, state });
  }

  // -------------------------------------------------------------------------------------------
  // API

  private listenerWire(listener: Listener, actions: Wire[]): Wire {
    return { ListenerArn: listener.arn, LoadBalancerArn: listener.loadBalancerArn, Port: listener.port, Protocol: listener.protocol, DefaultActions: actions };
  }

  private resource(arn: string): { tags: Map<string, string> } {
    const found = this.targetGroups.get(arn) ?? this.listeners.get(arn);
    if (!found) throw new AwsError(arn.includes(":listener/") ? "ListenerNotFound" : "TargetGroupNotFound", `Resource not found: ${arn}`);
    return found;
  }

  endpoint(): ServiceEndpoint {
    return {
      protocol: "query",
      namespace: "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
      operations: {
        DescribeListeners: (input) => {
          const arns: string[] = input.ListenerArns?.length
            ? input.ListenerArns
            : [...this.listeners.values()].filter((l) => l.loadBalancerArn === input.LoadBalancerArn).map((l) => l.arn);
          return { Listeners: arns.map((arn) => this.listener(arn)).map((l) => this.listenerWire(l, this.visibleActions(l))) };
        },
        ModifyListener: (input) => {
          const listener = this.setListenerActions(input.ListenerArn, input.DefaultActions ?? this.listener(input.ListenerArn).actions);
          return { Listeners: [this.listenerWire(listener, listener.actions)] };
        },
        DescribeTargetHealth: (input) => {
          const tg = this.targetGroup(input.TargetGroupArn);
          const wanted: string[] | undefined = input.Targets?.map((t: Wire) => t.Id);
          return {
            TargetHealthDescriptions: [...tg.targets.values()]
              .filter((t) => !wanted || wanted.includes(t.id))
              .map((t) => ({
                Target: { Id: t.id, Port: t.port },
                HealthCheckPort: String(tg.port),
                TargetHealth: { State: t.state, Reason: t.reason, Description: t.description },
              })),
          };
        },
        DescribeTargetGroups: (input) => {
          const arns: string[] = input.TargetGroupArns?.length ? input.TargetGroupArns : [...this.targetGroups.keys()];
          return {
            TargetGroups: arns.map((arn) => this.targetGroup(arn)).map((tg) => ({
              TargetGroupArn: tg.arn,
              TargetGroupName: tg.name,
              Protocol: "HTTP",
              Port: tg.port,
              TargetType: "instance",
              HealthCheckProtocol: "HTTP",
              HealthCheckPort: "traffic-port",
              HealthCheckPath: tg.healthCheck.path,
              HealthCheckIntervalSeconds: tg.healthCheck.intervalSeconds,
              HealthCheckTimeoutSeconds: tg.healthCheck.timeoutSeconds,
              HealthyThresholdCount: tg.healthCheck.healthyThreshold,
              UnhealthyThresholdCount: tg.healthCheck.unhealthyThreshold,
              Matcher: { HttpCode: tg.healthCheck.matcher },
              LoadBalancerArns: this.inUse(tg) ? [tg.loadBalancerArn] : [],
            })),
          };
        },
        DescribeTags: (input) => ({
          TagDescriptions: (input.ResourceArns as string[]).map((arn) => ({
            ResourceArn: arn,
            Tags: [...this.resource(arn).tags].map(([Key, Value]) => ({ Key, Value })),
          })),
        }),
        AddTags: (input) => {
          const tags: { Key: string; Value?: string }[] = input.Tags ?? [];
          tags.forEach((tag, i) => validateTag(tag, i + 1));
          for (const arn of input.ResourceArns as string[]) {
            const resource = this.resource(arn);
            const merged = new Map(resource.tags);
            for (const tag of tags) merged.set(tag.Key, tag.Value ?? "");
            if (merged.size > 50) throw new AwsError("TooManyTags", `You've reached the limit on the number of tags for resource ${arn}`);
            resource.tags = merged;
          }
          return {};
        },
        RemoveTags: (input) => {
          for (const arn of input.ResourceArns as string[]) for (const key of input.TagKeys as string[]) this.resource(arn).tags.delete(key);
          return {};
        },
      },
    };
  }
}

function validateTag(tag: { Key: string; Value?: string }, index: number) {
  const problem = (what: string, value: string) =>
    new AwsError(
      "ValidationError",
      `1 validation error detected: Value '${value}' at 'tags.${index}.member.${what}' failed to satisfy constraint: ` +
        `Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$`,
    );
  if (!tag.Key || tag.Key.length > 128 || !TAG_PATTERN.test(tag.Key)) throw problem("key", tag.Key ?? "");
  if (tag.Key.toLowerCase().startsWith("aws:")) throw new AwsError("ValidationError", `Tag keys starting with 'aws:' are reserved: ${tag.Key}`);
  const value = tag.Value ?? "";
  if (value.length > 256 || !TAG_PATTERN.test(value)) throw problem("value", value);
}

/** Query-protocol strings to the types the API reference gives (weights are integers, flags booleans). */
function normalizeAction(action: Wire): Wire {
  const forward = action.ForwardConfig;
  return {
    ...action,
    ...(action.Order !== undefined && { Order: Number(action.Order) }),
    ...(forward && {
      ForwardConfig: {
        ...forward,
        TargetGroups: (forward.TargetGroups ?? []).map((g: Wire) => ({ ...g, ...(g.Weight !== undefined && { Weight: Number(g.Weight) }) })),
        ...(forward.TargetGroupStickinessConfig && {
          TargetGroupStickinessConfig: {
            ...forward.TargetGroupStickinessConfig,
            Enabled: String(forward.TargetGroupStickinessConfig.Enabled) === "true",
            ...(forward.TargetGroupStickinessConfig.DurationSeconds !== undefined && { DurationSeconds: Number(forward.TargetGroupStickinessConfig.DurationSeconds) }),
          },
        }),
      },
    }),
  };
}
