/**
 * S3: buckets with versioning, object versions with ETags, and lifecycle expiry.
 *
 * - PutObject answers `ETag` (the MD5 of the body for a single-part upload) and, in a
 *   versioning-enabled bucket, `x-amz-version-id` (AmazonS3/latest/API/API_PutObject.html).
 *   HeadObject/GetObject take `versionId`; without it they read the current version, and a
 *   current delete marker reads as 404 (AmazonS3/latest/userguide/Versioning.html,
 *   DeleteMarker.html).
 * - Lifecycle (AmazonS3/latest/userguide/intro-lifecycle-rules.html,
 *   lifecycle-expire-general-considerations.html): a rule's time is the object's creation time
 *   (or the time it became noncurrent, for NoncurrentVersionExpiration) plus the rule's days,
 *   rounded up to the next midnight UTC. Expiring a current version in a versioned bucket adds a
 *   delete marker (the version becomes noncurrent); expiring a noncurrent version deletes it for
 *   good; ExpiredObjectDeleteMarker removes a delete marker with no versions left behind it. S3 acts on due objects asynchronously, usually within a day; the model acts at the
 *   midnight the rule falls due (the docs give no bound on the delay).
 */
import { createHash } from "node:crypto";
import { AwsError, type WireResponse } from "./protocols";
import type { RestRequest, ServiceEndpoint } from "./server";

export const DAY_MS = 86_400_000;

export interface ObjectVersion {
  versionId: string;
  etag: string;
  body: Buffer;
  createdAt: number;
  deleteMarker: boolean;
  /** When a newer version (or a delete marker) made this one noncurrent. */
  noncurrentSince?: number;
}

export interface LifecycleRule {
  id?: string;
  enabled: boolean;
  prefix: string;
  expirationDays?: number;
  noncurrentDays?: number;
  /** Remove a current delete marker once no noncurrent version is left behind it. */
  expiredObjectDeleteMarker?: boolean;
}

export interface Bucket {
  name: string;
  versioning: boolean;
  lifecycle: LifecycleRule[];
  /** Versions per key, oldest first; the last is current. */
  objects: Map<string, ObjectVersion[]>;
}

/** Creation time plus `days`, rounded up to the next midnight UTC (the lifecycle docs' example). */
export const lifecycleDue = (from: number, days: number) => Math.ceil((from + days * DAY_MS) / DAY_MS) * DAY_MS;

export class S3Model {
  readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly now: () => number,
    private readonly newVersionId: () => string,
  ) {}

  createBucket(name: string, options: { versioning: boolean; lifecycle: LifecycleRule[] }): Bucket {
    const bucket: Bucket = { name, ...options, objects: new Map() };
    this.buckets.set(name, bucket);
    return bucket;
  }

  private bucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404);
    return bucket;
  }

  putObject(bucketName: string, key: string, body: Buffer): ObjectVersion {
    const bucket = this.bucket(bucketName);
    const version: ObjectVersion = {
      versionId: bucket.versioning ? this.newVersionId() : "null",
      etag: `"${createHash("md5").update(body).digest("hex")}"`,
      body,
      createdAt: this.now(),
      deleteMarker: false,
    };
    const versions = bucket.objects.get(key) ?? [];
    if (!bucket.versioning) versions.length = 0;
    const previous = versions.at(-1);
    if (previous) previous.noncurrentSince = this.now();
    versions.push(version);
    bucket.objects.set(key, versions);
    return version;
  }

  /**
   * The version a reader gets: the given one, or the current one; throws S3's 404s, or 403 to a
   * reader without s3:ListBucket on the bucket (API_HeadObject.html, API_GetObject.html: S3 then
   * does not say whether the key exists).
   */
  getObject(bucketName: string, key: string, versionId?: string, canList = true): ObjectVersion {
    const versions = this.bucket(bucketName).objects.get(key) ?? [];
    const missing = (code: string, message: string) => (canList ? new AwsError(code, message, 404) : new AwsError("AccessDenied", "Access Denied", 403));
    if (versionId !== undefined) {
      const version = versions.find((v) => v.versionId === versionId);
      if (!version || version.deleteMarker) throw missing("NoSuchVersion", "The specified version does not exist.");
      return version;
    }
    const current = versions.at(-1);
    if (!current || current.deleteMarker) throw missing("NoSuchKey", "The specified key does not exist.");
    return current;
  }

  /** Whether the API's caller (the release jobs' role) may list each bucket; seed.ts reads it from the role's policy. */
  callerMayList: (bucket: string) => boolean = () => true;

  /** Applies every enabled lifecycle rule that has fallen due by now. */
  runLifecycle(): void {
    const now = this.now();
    for (const bucket of this.buckets.values()) {
      for (const rule of bucket.lifecycle.filter((r) => r.enabled)) {
        for (const [key, versions] of bucket.objects) {
          if (!key.startsWith(rule.prefix)) continue;
          const current = versions.at(-1);
          if (rule.expirationDays !== undefined && current && !current.deleteMarker && lifecycleDue(current.createdAt, rule.expirationDays) <= now) {
            current.noncurrentSince = now;
            versions.push({ versionId: this.newVersionId(), etag: "", body: Buffer.alloc(0), createdAt: now, deleteMarker: true });
          }
          if (rule.noncurrentDays !== undefined) {
            const keep = versions.filter(
              (v, i) => i === versions.length - 1 || v.noncurrentSince === undefined || lifecycleDue(v.noncurrentSince, rule.noncurrentDays!) > now,
            );
            versions.splice(0, versions.length, ...keep);
          }
          if (rule.expiredObjectDeleteMarker && versions.length === 1 && versions[0]!.deleteMarker) versions.length = 0;
        }
      }
      for (const [key, versions] of bucket.objects) if (!versions.length) bucket.objects.delete(key);
    }
  }

  endpoint(): ServiceEndpoint {
    return { protocol: "rest", route: (request) => this.route(request) };
  }

  /** Path-style requests (`/bucket/key`): what the SDK sends to an IP-address endpoint. */
  private route(request: RestRequest): { operation: string; run: () => WireResponse } | undefined {
    const [, bucket = "", ...rest] = request.path.split("/");
    const key = rest.join("/");
    const versionId = request.query.get("versionId") ?? undefined;
    const objectHeaders = (v: ObjectVersion) => ({
      etag: v.etag,
      ...(v.versionId !== "null" && { "x-amz-version-id": v.versionId }),
      "last-modified": new Date(v.createdAt).toUTCString(),
      "content-length": String(v.body.length),
      "content-type": "application/zip",
      "x-amz-server-side-encryption": "AES256",
    });
    if (request.method === "PUT" && key) {
      return {
        operation: "PutObject",
        run: () => {
          const v = this.putObject(bucket, key, request.body);
          return { status: 200, headers: { etag: v.etag, ...(v.versionId !== "null" && { "x-amz-version-id": v.versionId }), "x-amz-server-side-encryption": "AES256" }, body: "" };
        },
      };
    }
    if (request.method === "HEAD" && key) {
      return { operation: "HeadObject", run: () => ({ status: 200, headers: objectHeaders(this.getObject(bucket, key, versionId, this.callerMayList(bucket))), body: "" }) };
    }
    if (request.method === "GET" && key) {
      return {
        operation: "GetObject",
        run: () => {
          const v = this.getObject(bucket, key, versionId, this.callerMayList(bucket));
          return { status: 200, headers: objectHeaders(v), body: v.body };
        },
      };
    }
    return undefined;
  }
}
