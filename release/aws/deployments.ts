import {
  BatchGetDeploymentTargetsCommand,
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

export interface S3Revision {
  bucket: string;
  key: string;
}

export const formatRevision = (r: S3Revision) => `s3://${r.bucket}/${r.key}`;

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

export const revisionOf = (deployment: DeploymentInfo): S3Revision | undefined => {
  const s3 = deployment.revision?.s3Location;
  return s3?.bucket && s3.key ? { bucket: s3.bucket, key: s3.key } : undefined;
};

/** True when both deployments ship the same S3 object: bucket, key, and version and eTag where given. */
export function sameS3Location(a: DeploymentInfo, b: DeploymentInfo): boolean {
  const x = a.revision?.s3Location;
  const y = b.revision?.s3Location;
  return (
    !!x?.bucket && !!x.key && x.bucket === y?.bucket && x.key === y.key && x.version === y.version && x.eTag === y.eTag
  );
}

/**
 * Up to `max` of a color's deployments, newest first (CodeDeploy's ListDeployments order), all
 * statuses: a Failed or Stopped one must still be seen by callers that walk back in time.
 */
export async function recentGroupDeploymentIds(ctx: ReleaseContext, color: Color, max: number): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await ctx.aws.codedeploy.send(
      new ListDeploymentsCommand({
        applicationName: ctx.outputs.codedeployApplication,
        deploymentGroupName: ctx.outputs[color].deploymentGroup,
        nextToken,
      }),
    );
    ids.push(...(page.deployments ?? []));
    nextToken = page.nextToken;
  } while (nextToken && ids.length < max);
  return ids.slice(0, max);
}

export async function createDeployment(ctx: ReleaseContext, color: Color, revision: S3Revision, description: string) {
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

/** CodeDeploy's own account of a failed deployment: its error information and every failed instance. */
export async function failureDetails(ctx: ReleaseContext, deployment: DeploymentInfo): Promise<string[]> {
  const error = deployment.errorInformation;
  const lines = error ? [`CodeDeploy error ${error.code ?? "?"}: ${error.message ?? ""}`.trimEnd()] : [];
  return [...lines, ...instanceProblemLines(await deploymentTargets(ctx, deployment.deploymentId!, ["Failed"]))];
}
