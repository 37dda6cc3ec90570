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
}

/**
 * Clients for the stack's region. Credentials come from the SDK's default chain: in CI that is
 * the web-identity provider (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE from the job's OIDC
 * id_token), so no access key ever exists.
 */
export function awsClients(region: string): AwsClients {
  return {
    elb: new ElasticLoadBalancingV2Client({ region }),
    codedeploy: new CodeDeployClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    s3: new S3Client({ region }),
  };
}

export interface ReleaseContext {
  outputs: StackOutputs;
  aws: AwsClients;
  clock: Clock;
  httpGet: HttpGet;
  log: (line: string) => void;
}
