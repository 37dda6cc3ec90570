import { HeadObjectCommand } from "@aws-sdk/client-s3";
import type { ReleaseContext } from "../context";
import { checkFailed } from "../errors";
import { formatRevision, type ObjectRevision, type S3Revision } from "./deployments";

/**
 * S3 quotes ETags (`"9bb58f26192e4ba00f01e2e7b136bbd8"`, AmazonS3/latest/userguide/RetMetaOfObjVersion.html);
 * CodeDeploy's S3Location takes the bare value, as the AWS CLI's `deploy push` passes it (it strips
 * the quotes from PutObject's ETag: aws/aws-cli awscli/customizations/codedeploy/push.py).
 */
export const bareETag = (eTag: string) => eTag.replace(/"/g, "");

/**
 * The object `revision` names as it is now: its current version id and ETag, read with HeadObject
 * (which needs s3:GetObject: AmazonS3/latest/API/API_HeadObject.html). The artifact bucket is
 * versioned, so each upload is its own version even under the same key.
 */
export async function currentObject(ctx: ReleaseContext, revision: S3Revision): Promise<ObjectRevision> {
  try {
    const { VersionId, ETag } = await ctx.aws.s3.send(new HeadObjectCommand({ Bucket: revision.bucket, Key: revision.key }));
    if (!VersionId || !ETag) {
      throw checkFailed(`${formatRevision(revision)} has no version id: is versioning off on ${revision.bucket}? Deployments must name an exact object version`);
    }
    return { ...revision, version: VersionId, eTag: bareETag(ETag) };
  } catch (error) {
    // Without s3:ListBucket (the deploy role has none), S3 answers 403, not 404, for a missing key.
    const name = (error as Error).name;
    if (name !== "NotFound" && name !== "Forbidden") throw error;
    throw checkFailed(`${formatRevision(revision)}: HeadObject answered ${name}: no such object (upload it first), or the deploy role may not read it`);
  }
}
