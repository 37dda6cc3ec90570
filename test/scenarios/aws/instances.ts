/**
 * EC2 instances as the rest of the model sees them: where each is in the Auto Scaling lifecycle
 * and what its application does. The application state is the model's ground truth for ELB
 * health checks, the test listener and production traffic.
 */
import { NORMAL_LATENCY_MS, type RevisionSpec } from "./revision";

/** Auto Scaling lifecycle states (autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html). */
export type LifecycleState = "Pending" | "Pending:Wait" | "InService" | "Terminating" | "Terminating:Wait" | "Terminated";

/** The S3 object version a deployment installed on an instance. */
export interface InstalledRevision {
  bucket: string;
  key: string;
  versionId: string;
  etag: string;
  /** What the release does; undefined when the bytes were no model revision (the app cannot start). */
  spec?: RevisionSpec;
  deploymentId: string;
}

export interface Instance {
  id: string;
  group: string;
  launchTemplate: { id: string; version: string };
  availabilityZone: string;
  lifecycle: LifecycleState;
  health: "Healthy" | "Unhealthy";
  protectedFromScaleIn: boolean;
  launchedAt: number;
  inServiceAt?: number;
  /** The running app: none before the first deployment; `broken` fails health checks. */
  app: { revision?: InstalledRevision; state: "none" | "running" | "broken" };
}

/** EC2 is running the instance (its lifecycle has not reached Terminated). */
export const isRunning = (i: Instance) => i.lifecycle !== "Terminated";

/** nginx answers `/health/deep` with 200: the app runs and is not broken. */
export const servesHealth = (i: Instance) => isRunning(i) && i.app.state === "running" && i.app.revision?.spec !== undefined;

/** Share of production requests this instance answers with 5xx at `rps` requests per second. */
export function errorRate(i: Instance, rps: number): number {
  if (!servesHealth(i)) return 1;
  const spec = i.app.revision!.spec!;
  if (spec.behaviour !== "5xx") return 0;
  return spec.aboveRps === undefined || rps > spec.aboveRps ? (spec.errorRate ?? 0.1) : 0;
}

export function latencyMs(i: Instance): number {
  const spec = i.app.revision?.spec;
  return spec?.behaviour === "slow" ? (spec.latencyMs ?? 3000) : NORMAL_LATENCY_MS;
}

/** `/version` as the app serves it (app/ reads it from the bundle's version.json). */
export const servedVersion = (i: Instance) => {
  const spec = i.app.revision?.spec;
  return spec && { version: spec.version, commit: spec.commit ?? spec.version };
};
