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
 * versioned, so each upload is its own version even under the same key. Undefined when there is
 * none: without s3:ListBucket (the deploy role has none), S3 answers 403, not 404, for a missing key
 * (API_HeadObject.html). A HEAD answer has no body, so the SDK knows the error only by its status:
 * 404 becomes `NotFound`, while a 403 gets no name at all (aws/aws-sdk-js-v3#6597).
 */
export async function headObject(ctx: ReleaseContext, revision: S3Revision): Promise<ObjectRevision | undefined> {
  try {
    const { VersionId, ETag } = await ctx.aws.s3.send(new HeadObjectCommand({ Bucket: revision.bucket, Key: revision.key }));
    if (!VersionId || !ETag) {
      throw checkFailed(`${formatRevision(revision)} has no version id: is versioning off on ${revision.bucket}? Deployments must name an exact object version`);
    }
    return { ...revision, version: VersionId, eTag: bareETag(ETag) };
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || status === 403) return undefined;
    throw error;
  }
}

/** The object `revision` names as it is now (headObject); exit 1 when there is none. */
export async function currentObject(ctx: ReleaseContext, revision: S3Revision): Promise<ObjectRevision> {
  const object = await headObject(ctx, revision);
  if (!object) throw checkFailed(`${formatRevision(revision)}: HeadObject found no such object (upload it first), or the deploy role may not read it`);
  return object;
}
