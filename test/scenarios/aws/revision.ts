/**
 * What a release does once installed, carried by the "bundle" a scenario uploads through the
 * tool's `upload` (a small JSON file standing in for the zip): the model reads the S3 object
 * version a deployment installs and behaves accordingly on that instance.
 */
export type Behaviour =
  /** Serves its version, passes every check. */
  | "ok"
  /** ValidateService fails: the deployment fails on the instance, which is left broken. */
  | "fails-validate"
  /** Passes the checks but answers `errorRate` of production requests with 5xx (above `aboveRps` per instance, if set). */
  | "5xx"
  /** Passes the checks but answers slowly (`latencyMs`). */
  | "slow"
  /** Passes ValidateService, then crashes `crashAfterSeconds` later (health checks fail from then on). */
  | "crash-after-ready";

export interface RevisionSpec {
  version: string;
  commit?: string;
  behaviour: Behaviour;
  errorRate?: number;
  aboveRps?: number;
  latencyMs?: number;
  crashAfterSeconds?: number;
}

const BEHAVIOURS: Behaviour[] = ["ok", "fails-validate", "5xx", "slow", "crash-after-ready"];

export const revisionBody = (spec: RevisionSpec) => Buffer.from(JSON.stringify(spec));

/** The spec a bundle carries, or undefined when the bytes are not a model revision (the app then fails to start). */
export function parseRevision(body: Buffer): RevisionSpec | undefined {
  try {
    const spec = JSON.parse(body.toString("utf8")) as RevisionSpec;
    return typeof spec.version === "string" && BEHAVIOURS.includes(spec.behaviour) ? spec : undefined;
  } catch {
    return undefined;
  }
}

/** Response time of a healthy request to a normal release; the p99 alarm threshold is 1–1.5 s. */
export const NORMAL_LATENCY_MS = 80;
