import type { Color } from "./colors";
import type { ReleaseContext } from "./context";
import { getDeployment, groupDeployments, groupDeploymentsSince, sameS3Location } from "./aws/deployments";
import type { ReleaseTags } from "./aws/release-tags";

/** The verified deployment still standing for the color, or why there is none. */
export type VerifiedState = { deploymentId: string; reason?: undefined } | { deploymentId?: undefined; reason: string };

/**
 * Whether `color` still holds the release `verify` recorded on it (for `version`, if given): the
 * recorded deployment is the group's latest, or every deployment since is the Auto Scaling
 * group's own (creator "autoscaling": CodeDeploy deploys the group's last successful revision to
 * each launched instance, codedeploy/latest/userguide/integrations-aws-auto-scaling.html) of the
 * very same S3 object (bucket, key, version and ETag). A scale-out or an instance replacement
 * therefore keeps a color verified; any other deployment makes the record stale.
 */
export async function verifiedState(ctx: ReleaseContext, tags: ReleaseTags, color: Color, version?: string): Promise<VerifiedState> {
  const verification = tags.verification[color];
  if (!verification) return { reason: `${color} has never been verified` };
  if (version !== undefined && verification.version !== version) return { reason: `${color} was verified for ${verification.version}, not ${version}` };
  const { deploymentId } = verification;
  const { lastAttempted } = await groupDeployments(ctx, color);
  if (lastAttempted?.deploymentId === deploymentId) return { deploymentId };

  const verified = await getDeployment(ctx, deploymentId);
  const since = await groupDeploymentsSince(ctx, color, verified.createTime ?? new Date(0));
  const newer = since.filter((d) => d.deploymentId !== verified.deploymentId);
  const other = newer.find((d) => d.creator !== "autoscaling" || !sameS3Location(d, verified));
  if (other) {
    return { reason: `${color} was deployed again (${other.deploymentId}, ${other.status}) after verification of ${deploymentId}` };
  }
  // ListDeployments may not show a deployment GetDeploymentGroup already calls the latest: fail closed.
  if (!newer.some((d) => d.deploymentId === lastAttempted?.deploymentId)) {
    return { reason: `${color}'s latest deployment ${lastAttempted?.deploymentId ?? "?"} is not among its deployments since ${deploymentId}; retry shortly` };
  }
  return { deploymentId };
}
