import {
  BatchGetDeploymentTargetsCommand,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentTargetsCommand,
  type DeploymentInfo,
  type LastDeploymentInfo,
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

/**
 * CodeDeploy's own account of a failed deployment: its error information and, for every failed
 * instance, the lifecycle events that failed with their script, message and log tail.
 */
export async function failureDetails(ctx: ReleaseContext, deployment: DeploymentInfo): Promise<string[]> {
  const lines: string[] = [];
  const error = deployment.errorInformation;
  if (error) lines.push(`CodeDeploy error ${error.code ?? "?"}: ${error.message ?? ""}`.trimEnd());
  const deploymentId = deployment.deploymentId!;
  const { targetIds = [] } = await ctx.aws.codedeploy.send(
    new ListDeploymentTargetsCommand({ deploymentId, targetFilters: { TargetStatus: ["Failed"] } }),
  );
  if (!targetIds.length) return lines;
  // BatchGetDeploymentTargets takes at most 25 ids; the first 25 failures say enough.
  const { deploymentTargets = [] } = await ctx.aws.codedeploy.send(
    new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: targetIds.slice(0, 25) }),
  );
  for (const target of deploymentTargets) {
    const instance = target.instanceTarget;
    for (const event of instance?.lifecycleEvents ?? []) {
      if (event.status !== "Failed") continue;
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
