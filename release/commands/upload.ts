import { readFile } from "node:fs/promises";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import type { ReleaseContext } from "../context";
import { formatRevision, type S3Revision } from "../aws/deployments";

export interface UploadOptions {
  bundle: string;
  revision: S3Revision;
}

/**
 * Uploads the bundle zip to the stack's artifact bucket. The key names the release, and the
 * bucket is versioned, so re-running overwrites with the same bytes and loses nothing.
 */
export async function upload(ctx: ReleaseContext, options: UploadOptions): Promise<void> {
  const body = await readFile(options.bundle);
  const { VersionId } = await ctx.aws.s3.send(
    new PutObjectCommand({
      Bucket: options.revision.bucket,
      Key: options.revision.key,
      Body: body,
      ContentType: "application/zip",
    }),
  );
  ctx.log(`uploaded ${options.bundle} (${body.length} bytes) to ${formatRevision(options.revision)}${VersionId ? ` version ${VersionId}` : ""}`);
}
