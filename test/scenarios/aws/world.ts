/**
 * The modelled AWS account: one virtual clock, the services the release tool touches, and the
 * two HTTP endpoints the tool reaches (the AWS API and the test listener). Every state change
 * goes through `changed`, which books traffic up to the present, lets the services react to one
 * another (ELB health -> Auto Scaling replacement, termination -> CodeDeploy) and logs the event
 * for the scenario's assertions.
 */
import { createHash } from "node:crypto";
import { AutoScalingModel } from "./autoscaling";
import { VirtualClock, type Cancel } from "./clock";
import { CloudWatchModel } from "./cloudwatch";
import { CodeDeployModel } from "./codedeploy";
import { ElbModel } from "./elb";
import { Faults } from "./faults";
import type { Instance } from "./instances";
import { DAY_MS, S3Model } from "./s3";
import { AwsEndpoint } from "./server";
import { TestListenerPlane } from "./test-listener";
import { TrafficModel } from "./traffic";

/** No change for this long and the per-minute work can change nothing (see startMinuteTasks). */
const QUIET_MS = 30 * 60_000;

export type WorldEvent = { type: string; time?: number } & Record<string, unknown>;

/** Deterministic identifiers in each service's format. */
class Ids {
  private n = 0;
  constructor(private readonly seed: number) {}
  private hex(kind: string, length: number) {
    return createHash("sha256").update(`${this.seed}:${kind}:${this.n++}`).digest("hex").slice(0, length);
  }
  instanceId = () => `i-0${this.hex("instance", 16)}`;
  deploymentId = () => `d-${this.hex("deployment", 9).toUpperCase()}`;
  versionId = () => Buffer.from(this.hex("version", 24), "hex").toString("base64url");
  uuid = () => {
    const h = this.hex("uuid", 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  };
}

export class World {
  readonly ids: Ids;
  readonly instances = new Map<string, Instance>();
  readonly faults = new Faults();
  readonly events: WorldEvent[] = [];
  readonly s3: S3Model;
  readonly elb: ElbModel;
  readonly autoscaling: AutoScalingModel;
  readonly codedeploy: CodeDeployModel;
  readonly cloudwatch: CloudWatchModel;
  readonly traffic: TrafficModel;
  readonly endpoint: AwsEndpoint;
  readonly testListener: TestListenerPlane;
  productionListenerArn = "";
  testListenerArn = "";
  private readonly observers: ((event: WorldEvent) => void)[] = [];
  private lifecycle: Cancel = () => {};
  private minuteTasks: Cancel[] = [];
  private lastChangeAt = 0;
  /** Set while the minute tasks pause: the first minute not closed. */
  private pausedFrom: number | undefined;

  constructor(
    readonly clock: VirtualClock,
    readonly seed: number,
    readonly region: string,
    readonly accountId: string,
  ) {
    this.ids = new Ids(seed);
    this.s3 = new S3Model(() => clock.now(), () => this.ids.versionId());
    this.elb = new ElbModel(this);
    this.autoscaling = new AutoScalingModel(this);
    this.codedeploy = new CodeDeployModel(this);
    this.cloudwatch = new CloudWatchModel(this);
    this.traffic = new TrafficModel(this);
    let requests = 0;
    this.endpoint = new AwsEndpoint(
      {
        elasticloadbalancing: this.elb.endpoint(),
        autoscaling: this.autoscaling.endpoint(),
        codedeploy: this.codedeploy.endpoint(),
        monitoring: this.cloudwatch.endpoint(),
        s3: this.s3.endpoint(),
      },
      { now: () => clock.now(), nextRequestId: () => `req-${++requests}`, faults: this.faults },
    );
    this.testListener = new TestListenerPlane(this);
  }

  /** Starts the periodic processes and both endpoints; returns their URLs. */
  async start(): Promise<{ awsEndpoint: string; testListenerUrl: string }> {
    this.lifecycle = this.clock.every(DAY_MS, 0, () => this.s3.runLifecycle());
    this.startMinuteTasks();
    return { awsEndpoint: await this.endpoint.listen(), testListenerUrl: await this.testListener.listen() };
  }

  async close(): Promise<void> {
    this.lifecycle();
    for (const cancel of this.minuteTasks) cancel();
    this.elb.close();
    await Promise.all([this.endpoint.close(), this.testListener.close()]);
  }

  /**
   * Each minute the traffic's datapoints go to CloudWatch (at :00) and the alarms are evaluated
   * once they are visible. After `QUIET_MS` with no change anywhere, every alarm window (at most
   * 15 minutes) holds the same datapoints and every scaling action has had its chance, so another
   * minute would change nothing: the tasks pause until the next change, which publishes the
   * skipped minutes first (traffic.resumeAfterQuiet). Long quiet stretches (months without a
   * release) then cost nothing.
   */
  private startMinuteTasks() {
    this.minuteTasks = [
      this.clock.every(60_000, 0, () => this.traffic.closeMinute()),
      this.clock.every(60_000, this.cloudwatch.publishDelayMs + 1, () => {
        this.cloudwatch.evaluateAll();
        if (this.clock.now() - this.lastChangeAt < QUIET_MS) return;
        for (const cancel of this.minuteTasks) cancel();
        this.minuteTasks = [];
        this.pausedFrom = Math.ceil(this.clock.now() / 60_000) * 60_000;
      }),
    ];
  }

  /** Every state change of the world comes through here. */
  changed(event: WorldEvent): void {
    const logged = { ...event, time: this.clock.now() };
    this.events.push(logged);
    this.lastChangeAt = this.clock.now();
    if (this.pausedFrom !== undefined) {
      this.traffic.resumeAfterQuiet(this.pausedFrom);
      this.pausedFrom = undefined;
      this.startMinuteTasks();
    }
    this.traffic.onChange();
    this.elb.resumeHealthChecks();
    if (event.type === "target-state") this.autoscaling.onTargetState(String(event.instanceId), String(event.state));
    if (event.type === "instance" && event.lifecycle === "Terminating") this.codedeploy.onInstanceTerminating(String(event.instance));
    for (const observer of this.observers) observer(logged);
  }

  /**
   * The instance's host fails (an EC2 impairment): it stops answering, ELB marks it unhealthy and
   * the Auto Scaling group replaces it (ec2-auto-scaling-health-checks.html).
   */
  impairInstance(id: string): void {
    const instance = this.instances.get(id);
    if (!instance) throw new Error(`no instance ${id}`);
    instance.app = { ...instance.app, state: "broken" };
    this.changed({ type: "app", instance: id, impaired: true });
  }

  /** Calls `observer` with every later event (a scenario's invariant checks, or a reaction). */
  observe(observer: (event: WorldEvent) => void): void {
    this.observers.push(observer);
  }
}
