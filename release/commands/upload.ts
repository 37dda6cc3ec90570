import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { COLORS } from "../colors";
import type { ReleaseContext } from "../context";
import { refused } from "../errors";
import { formatRevision, getDeployment, groupDeployments, revisionOf, type ObjectRevision, type S3Revision } from "../aws/deployments";
import { bareETag, headObject } from "../aws/objects";

export interface UploadOptions {
  bundle: string;
  revision: S3Revision;
}

/**
 * Uploads the bundle zip to the stack's artifact bucket. The bucket is versioned: each upload is
 * its own object version, and its version id and ETag are what a deployment must name. `deploy`
 * reads them back with HeadObject (the key names the commit, and the pipeline runs upload and
 * deploy back to back under the stack's resource_group), so nothing has to be carried between
 * the two commands; they are printed here for the job log.
 *
 * A bundle the key's current version already holds is not uploaded again (a retried deploy job;
 * the bundle is reproducible, scripts/bundle/zip.ts): a new version would make the one a group
 * deployed noncurrent, and the bucket's lifecycle expires noncurrent versions while the group's
 * launches still install it (DESIGN decision 13). The ETag of an object uploaded in one PUT with
 * SSE-S3 (the artifact bucket's encryption) is the MD5 of its data (AmazonS3/latest/API/API_Object.html).
 */
export async function upload(ctx: ReleaseContext, options: UploadOptions): Promise<void> {
  const body = await readFile(options.bundle);
  const current = await headObject(ctx, options.revision);
  if (current && current.eTag === createHash("md5").update(body).digest("hex")) {
    ctx.log(`${formatRevision(current)} already holds this bundle: not uploading it again, so the version deployments name stays current`);
    return;
  }
  if (current) await refuseToReplaceADeployedVersion(ctx, current);
  const { VersionId, ETag } = await ctx.aws.s3.send(
    new PutObjectCommand({
      Bucket: options.revision.bucket,
      Key: options.revision.key,
      Body: body,
      ContentType: "application/zip",
    }),
  );
  const object = { ...options.revision, ...(VersionId && { version: VersionId }), ...(ETag && { eTag: bareETag(ETag) }) };
  ctx.log(`uploaded ${options.bundle} (${body.length} bytes) to ${formatRevision(object)}`);
}

/**
 * Other bytes under a key whose current version a group's last successful deployment names would
 * make that version noncurrent, and the lifecycle would expire it while every instance the group
 * launches still installs it (DESIGN decision 13; integrations-aws-auto-scaling.html). Keys name
 * the commit and the bundle is reproducible, so this only meets a rebuilt bundle: it gets a new key.
 */
async function refuseToReplaceADeployedVersion(ctx: ReleaseContext, current: ObjectRevision): Promise<void> {
  for (const color of COLORS) {
    const { lastSuccessful } = await groupDeployments(ctx, color);
    if (!lastSuccessful?.deploymentId) continue;
    const deployed = revisionOf(await getDeployment(ctx, lastSuccessful.deploymentId));
    // Bucket, key and version, not sameObject: a deployment that names the version without its ETag installs it too.
    if (deployed?.bucket === current.bucket && deployed.key === current.key && deployed.version === current.version) {
      throw refused(
        `${formatRevision(current)} is in use: ${color}'s last successful deployment ${lastSuccessful.deploymentId} installs version ${current.version} ` +
          "on every instance its Auto Scaling group launches, and another upload would let the bucket's lifecycle expire it. " +
          "This bundle differs from it (a rebuild?): upload under a new key",
      );
    }
  }
}
