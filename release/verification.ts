import type { Color } from "./colors";
import type { ReleaseContext } from "./context";
import { groupDeployments } from "./aws/deployments";
import type { ReleaseTags } from "./aws/release-tags";

/**
 * Why `color` is not verified for `version`, or undefined when it is: `verify` recorded that
 * version on the color's target group, for the deployment that is still the group's latest.
 */
export async function notVerifiedReason(
  ctx: ReleaseContext,
  tags: ReleaseTags,
  color: Color,
  version: string,
): Promise<string | undefined> {
  const verification = tags.verification[color];
  if (!verification) return `${color} has never been verified`;
  if (verification.version !== version) return `${color} was verified for ${verification.version}, not ${version}`;
  const { lastAttempted } = await groupDeployments(ctx, color);
  if (lastAttempted?.deploymentId !== verification.deploymentId) {
    return (
      `${color} was deployed again (${lastAttempted?.deploymentId ?? "?"}, ${lastAttempted?.status ?? "?"}) ` +
      `after verification of ${verification.deploymentId}`
    );
  }
  return undefined;
}
