import { AddTagsCommand, DescribeTagsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { COLORS, type Color } from "../colors";
import type { ReleaseContext } from "../context";

/**
 * The release state the tool keeps between runs, as tags on the resources it describes, so any
 * job (or a person with the console) sees it and a crashed run leaves nothing half-written:
 *
 * - on each target group, what `verify` proved about that color: the version it served and the
 *   CodeDeploy deployment that put it there (`bluegreen:verified-version`,
 *   `bluegreen:verified-deployment`, `bluegreen:verified-at`). A later deployment to the color
 *   makes the record stale by itself (its id no longer matches the group's last deployment).
 * - on the production listener, the color that was live before the latest switch started
 *   (`bluegreen:rollback-color`): what `rollback` returns to and what a resumed switch started from.
 */
export const TAG = {
  verifiedVersion: "bluegreen:verified-version",
  verifiedDeployment: "bluegreen:verified-deployment",
  verifiedAt: "bluegreen:verified-at",
  rollbackColor: "bluegreen:rollback-color",
} as const;

export interface Verification {
  version: string;
  deploymentId: string;
  at: string;
}

export interface ReleaseTags {
  verification: Partial<Record<Color, Verification>>;
  rollbackColor?: Color;
}

/** Reads the release state of the listener and both target groups in one DescribeTags call. */
export async function readReleaseTags(ctx: ReleaseContext): Promise<ReleaseTags> {
  const { productionListenerArn } = ctx.outputs;
  const { TagDescriptions = [] } = await ctx.aws.elb.send(
    new DescribeTagsCommand({
      ResourceArns: [productionListenerArn, ...COLORS.map((c) => ctx.outputs[c].targetGroupArn)],
    }),
  );
  const tagsOf = (arn: string) =>
    new Map((TagDescriptions.find((d) => d.ResourceArn === arn)?.Tags ?? []).map((t) => [t.Key, t.Value ?? ""]));

  const state: ReleaseTags = { verification: {} };
  for (const color of COLORS) {
    const tags = tagsOf(ctx.outputs[color].targetGroupArn);
    const version = tags.get(TAG.verifiedVersion);
    const deploymentId = tags.get(TAG.verifiedDeployment);
    if (version && deploymentId) state.verification[color] = { version, deploymentId, at: tags.get(TAG.verifiedAt) ?? "" };
  }
  const rollbackColor = tagsOf(productionListenerArn).get(TAG.rollbackColor);
  if (rollbackColor === "blue" || rollbackColor === "green") state.rollbackColor = rollbackColor;
  return state;
}

export async function recordVerification(ctx: ReleaseContext, color: Color, verification: Verification) {
  await ctx.aws.elb.send(
    new AddTagsCommand({
      ResourceArns: [ctx.outputs[color].targetGroupArn],
      Tags: [
        { Key: TAG.verifiedVersion, Value: verification.version },
        { Key: TAG.verifiedDeployment, Value: verification.deploymentId },
        { Key: TAG.verifiedAt, Value: verification.at },
      ],
    }),
  );
}

export async function recordRollbackColor(ctx: ReleaseContext, color: Color) {
  await ctx.aws.elb.send(
    new AddTagsCommand({
      ResourceArns: [ctx.outputs.productionListenerArn],
      Tags: [{ Key: TAG.rollbackColor, Value: color }],
    }),
  );
}
