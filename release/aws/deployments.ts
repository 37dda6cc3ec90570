import {
  BatchGetDeploymentTargetsCommand,
  BatchGetDeploymentsCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  type DeploymentInfo,
  type DeploymentTarget,
  type LastDeploymentInfo,
  type TargetStatus,
} from "@aws-sdk/client-codedeploy";
import type { Color } from "../colors";
import type { ReleaseContext } from "../context";

/** Where a revision is: what `--revision s3://<bucket>/<key>` names. */
export interface S3Revision {
  bucket: string;
  key: string;
}

/**
 * One exact object: the version the key held and its ETag (DESIGN decision 13). A deployment
 * that names only bucket and key installs whatever the key holds when it runs, and so does every
 * later automatic deployment of the Auto Scaling group: "If the version is not specified, the
 * system uses the most recent version by default" (codedeploy/latest/APIReference/API_S3Location.html).
 */
export interface ObjectRevision extends S3Revision {
  version: string;
  eTag: string;
}

export const formatRevision = (r: RevisionLocation) =>
  `s3://${r.bucket}/${r.key}${r.version ? ` (version ${r.version}, ETag ${r.eTag ?? "?"})` : ""}`;

/** Deployments in these states still hold the group: a new one would queue behind or clash. */
const ACTIVE = new Set(["Created", "Queued", "InProgress", "Baking", "Ready"]);
export const isActive = (status: string | undefined) => ACTIVE.has(status ?? "");

export interface GroupDeployments {
  lastAttempted?: LastDeploymentInfo;
  lastSuccessful?: LastDeploymentInfo;
}

export async function groupDeployments(ctx: ReleaseContext, color: Color): Promise<GroupDeployments> {
  const { deploymentGroupInfo: info } = await ctx.aws.codedeploy.send(
    new GetDeploymentGroupCommand({
      applicationName: ctx.outputs.codedeployApplication,
      deploymentGroupName: ctx.outputs[color].deploymentGroup,
    }),
  );
  return {
    ...(info?.lastAttemptedDeployment && { lastAttempted: info.lastAttemptedDeployment }),
    ...(info?.lastSuccessfulDeployment && { lastSuccessful: info.lastSuccessfulDeployment }),
  };
}

export async function getDeployment(ctx: ReleaseContext, deploymentId: string): Promise<DeploymentInfo> {
  const { deploymentInfo } = await ctx.aws.codedeploy.send(new GetDeploymentCommand({ deploymentId }));
  if (!deploymentInfo) throw new Error(`CodeDeploy returned no information for deployment ${deploymentId}`);
  return deploymentInfo;
}

/** A deployment's revision location as far as it names one; version and ETag only if the deployment gave them. */
export type RevisionLocation = S3Revision & { version?: string; eTag?: string };

export const revisionOf = (deployment: DeploymentInfo): RevisionLocation | undefined => {
  const s3 = deployment.revision?.s3Location;
  return s3?.bucket && s3.key ? { bucket: s3.bucket, key: s3.key, ...(s3.version && { version: s3.version }), ...(s3.eTag && { eTag: s3.eTag }) } : undefined;
};

/**
 * True when both name one exact S3 object: bucket, key, version and ETag, all given. Two
 * locations without a version may stand for different uploads under the same key.
 */
export const sameObject = (x: RevisionLocation | undefined, y: RevisionLocation | undefined): boolean =>
  !!(x?.version && x.eTag) && x.bucket === y?.bucket && x.key === y.key && x.version === y.version && x.eTag === y.eTag;

export const sameS3Location = (a: DeploymentInfo, b: DeploymentInfo) => sameObject(revisionOf(a), revisionOf(b));

/** Orders deployments newest first by creation time (ListDeployments documents no order: API_ListDeployments.html). */
const newestFirst = (a: DeploymentInfo, b: DeploymentInfo) => (b.createTime?.getTime() ?? 0) - (a.createTime?.getTime() ?? 0);

/**
 * A color's deployments created at or after `since`, all statuses, newest first by creation time:
 * every id from ListDeployments (filtered by createTimeRange), then their details from
 * BatchGetDeployments, which takes at most 25 ids a call (codedeploy/latest/APIReference/API_BatchGetDeployments.html).
 */
export async function groupDeploymentsSince(ctx: ReleaseContext, color: Color, since: Date): Promise<DeploymentInfo[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.aws.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: ctx.outputs.codedeployApplication,
        deploymentGroupName: ctx.outputs[color].deploymentGroup,
        createTimeRange: { start: since },
        nextToken,
      }),
    );
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  const deployments: DeploymentInfo[] = [];
  for (let i = 0; i < ids.length; i += 25) {
    const { deploymentsInfo = [] } = await ctx.aws.codedeploy.send(new BatchGetDeploymentsCommand({ deploymentIds: ids.slice(i, i + 25) }));
    deployments.push(...deploymentsInfo);
  }
  return deployments.sort(newestFirst);
}

export async function createDeployment(ctx: ReleaseContext, color: Color, revision: ObjectRevision, description: string) {
  const { deploymentId } = await ctx.aws.codedeploy.send(
    new CreateDeploymentCommand({
      applicationName: ctx.outputs.codedeployApplication,
      deploymentGroupName: ctx.outputs[color].deploymentGroup,
      revision: { revisionType: "S3", s3Location: { ...revision, bundleType: "zip" } },
      description,
      // The bundle owns every file it ships; leftovers of the previous release are replaced.
      fileExistsBehavior: "OVERWRITE",
    }),
  );
  if (!deploymentId) throw new Error("CodeDeploy CreateDeployment returned no deployment id");
  return deploymentId;
}

/** Ids of a deployment's targets (instance ids here), optionally only those in the given states. */
export async function deploymentTargetIds(ctx: ReleaseContext, deploymentId: string, statuses?: TargetStatus[]): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.aws.codedeploy.send(
      new ListDeploymentTargetsCommand({ deploymentId, nextToken, ...(statuses && { targetFilters: { TargetStatus: statuses } }) }),
    );
    ids.push(...(page.targetIds ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

/** The deployment's targets with their status and lifecycle events, optionally only those in the given states. */
export async function deploymentTargets(ctx: ReleaseContext, deploymentId: string, statuses?: TargetStatus[]): Promise<DeploymentTarget[]> {
  const ids = await deploymentTargetIds(ctx, deploymentId, statuses);
  const targets: DeploymentTarget[] = [];
  // BatchGetDeploymentTargets takes at most 25 ids a call.
  for (let i = 0; i < ids.length; i += 25) {
    const { deploymentTargets = [] } = await ctx.aws.codedeploy.send(
      new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: ids.slice(i, i + 25) }),
    );
    targets.push(...deploymentTargets);
  }
  return targets;
}

/**
 * What went wrong on each given instance: the lifecycle events that failed with their script,
 * message and log tail, or just its status when no event failed (skipped, still pending).
 */
export function instanceProblemLines(targets: DeploymentTarget[]): string[] {
  const lines: string[] = [];
  for (const target of targets) {
    const instance = target.instanceTarget;
    const failed = (instance?.lifecycleEvents ?? []).filter((event) => event.status === "Failed");
    if (!failed.length) lines.push(`instance ${instance?.targetId ?? "?"}: ${instance?.status ?? "unknown status"}`);
    for (const event of failed) {
      const d = event.diagnostics;
      lines.push(
        `instance ${instance?.targetId ?? "?"}: ${event.lifecycleEventName} failed` +
          (d ? ` (${d.errorCode ?? "?"}${d.scriptName ? `, ${d.scriptName}` : ""}): ${d.message ?? ""}` : ""),
      );
      if (d?.logTail) lines.push(...d.logTail.trimEnd().split("\n").map((line) => `    | ${line}`));
    }
  }
  return lines;
}

/** CodeDeploy's own account of a failed deployment: its error information and every failed instance (`failed`: its Failed targets). */
export function failureDetails(deployment: DeploymentInfo, failed: DeploymentTarget[]): string[] {
  const error = deployment.errorInformation;
  const lines = error ? [`CodeDeploy error ${error.code ?? "?"}: ${error.message ?? ""}`.trimEnd()] : [];
  return [...lines, ...instanceProblemLines(failed)];
}
