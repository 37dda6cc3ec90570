import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { CodeDeployClient } from "@aws-sdk/client-codedeploy";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { S3Client } from "@aws-sdk/client-s3";
import type { StackOutputs } from "./stack-outputs";

/** Time as the tool sees it; injected so tests run polling and bake loops without sleeping. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** HTTP GET against the test listener; injected so tests need no server. */
export type HttpGet = (url: string) => Promise<{ status: number; body: string }>;

export const fetchGet: HttpGet = async (url) => {
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: "manual" });
  return { status: response.status, body: await response.text() };
};

export interface AwsClients {
  elb: ElasticLoadBalancingV2Client;
  codedeploy: CodeDeployClient;
  cloudwatch: CloudWatchClient;
  s3: S3Client;
  autoscaling: AutoScalingClient;
}

/**
 * How the clients retry and time out. The SDK's defaults (standard mode, 3 attempts, no request
 * or connection timeout: SDK developer guide, "Retries" and "Timeouts") let a burst of throttling
 * during a 15-minute bake abort a switch, and a stalled socket hang a job with traffic split.
 * Adaptive mode also slows this client's own sending while AWS throttles it. With 8 attempts the
 * backoff (up to 20 s each, more for throttling) rides out about a minute of throttling; a hung
 * request fails after `requestTimeoutMs` and is retried like any transient error. In
 * @smithy/node-http-handler 4.x a requestTimeout only logs a warning unless throwOnRequestTimeout
 * is set (see setRequestTimeout in its dist-cjs/index.js), hence that flag.
 */
export interface ClientSettings {
  maxAttempts: number;
  connectionTimeoutMs: number;
  /** Control-plane calls answer in well under a second; a bundle upload to S3 gets `uploadTimeoutMs`. */
  requestTimeoutMs: number;
  uploadTimeoutMs: number;
}

export const CLIENT_SETTINGS: ClientSettings = {
  maxAttempts: 8,
  connectionTimeoutMs: 5_000,
  requestTimeoutMs: 20_000,
  uploadTimeoutMs: 300_000,
};

/**
 * Clients for the stack's region. Credentials come from the SDK's default chain: in CI that is
 * the web-identity provider (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE from the job's OIDC
 * id_token), so no access key ever exists. AWS_ENDPOINT_URL, if set, points every client elsewhere
 * (the SDK reads it itself; the scenario tests' model of AWS uses it).
 */
export function awsClients(region: string, settings: ClientSettings = CLIENT_SETTINGS): AwsClients {
  const config = (requestTimeout: number) => ({
    region,
    retryMode: "adaptive",
    maxAttempts: settings.maxAttempts,
    requestHandler: { connectionTimeout: settings.connectionTimeoutMs, requestTimeout, throwOnRequestTimeout: true },
  });
  const control = config(settings.requestTimeoutMs);
  return {
    elb: new ElasticLoadBalancingV2Client(control),
    codedeploy: new CodeDeployClient(control),
    cloudwatch: new CloudWatchClient(control),
    s3: new S3Client(config(settings.uploadTimeoutMs)),
    autoscaling: new AutoScalingClient(control),
  };
}

export interface ReleaseContext {
  outputs: StackOutputs;
  aws: AwsClients;
  clock: Clock;
  httpGet: HttpGet;
  log: (line: string) => void;
}
