import type { PipelineOutputName } from "../infra/outputs";
import { usageError } from "./errors";

export interface ColorResources {
  targetGroupArn: string;
  asgName: string;
  deploymentGroup: string;
}

export interface StackOutputs {
  region: string;
  albDnsName: string;
  productionListenerArn: string;
  testListenerArn: string;
  testListenerUrl: string;
  blue: ColorResources;
  green: ColorResources;
  codedeployApplication: string;
  artifactBucket: string;
  deployRoleArn: string;
  rollbackAlarmNames: string[];
}

type Env = Record<string, string | undefined>;

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ALB_LISTENER_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/app\/[^\s]+$/;
const TARGET_GROUP_ARN = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^\s]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[^\s]+$/;
// Names of ASGs, CodeDeploy objects, buckets, alarms: printable, no whitespace at the ends.
const NAME = /^\S(.*\S)?$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const HOSTNAME = /^[A-Za-z0-9.-]+$/;
// Alarm names may contain spaces, but the list has no empty entries: "a,b", "high 5xx,latency".
const ALARM_LIST = /^[^,\s]([^,]*[^,\s])?(,[^,\s]([^,]*[^,\s])?)*$/;

/** Reads and validates every stack output; the error names each missing or malformed variable. */
export function readStackOutputs(env: Env): StackOutputs {
  const problems: string[] = [];
  const get = (name: PipelineOutputName, pattern: RegExp, what: string): string => {
    const value = env[name];
    if (value === undefined || value === "") {
      problems.push(`${name} is not set`);
      return "";
    }
    if (!pattern.test(value)) problems.push(`${name} is not ${what}: ${JSON.stringify(value)}`);
    return value;
  };
  const outputs: StackOutputs = {
    region: get("AWS_REGION", REGION, "an AWS region"),
    albDnsName: get("ALB_DNS_NAME", HOSTNAME, "a DNS name"),
    productionListenerArn: get("ALB_LISTENER_ARN", ALB_LISTENER_ARN, "an ALB listener ARN"),
    testListenerArn: get("TEST_LISTENER_ARN", ALB_LISTENER_ARN, "an ALB listener ARN"),
    testListenerUrl: get("TEST_LISTENER_URL", /^https?:\/\/\S+$/, "an http(s) URL").replace(/\/+$/, ""),
    blue: {
      targetGroupArn: get("BLUE_TARGET_GROUP_ARN", TARGET_GROUP_ARN, "a target group ARN"),
      asgName: get("BLUE_ASG_NAME", NAME, "an Auto Scaling group name"),
      deploymentGroup: get("BLUE_DEPLOYMENT_GROUP", NAME, "a CodeDeploy deployment group name"),
    },
    green: {
      targetGroupArn: get("GREEN_TARGET_GROUP_ARN", TARGET_GROUP_ARN, "a target group ARN"),
      asgName: get("GREEN_ASG_NAME", NAME, "an Auto Scaling group name"),
      deploymentGroup: get("GREEN_DEPLOYMENT_GROUP", NAME, "a CodeDeploy deployment group name"),
    },
    codedeployApplication: get("CODEDEPLOY_APPLICATION_NAME", NAME, "a CodeDeploy application name"),
    artifactBucket: get("CODEDEPLOY_S3_BUCKET", BUCKET, "an S3 bucket name"),
    deployRoleArn: get("DEPLOY_ROLE_ARN", ROLE_ARN, "an IAM role ARN"),
    rollbackAlarmNames: get("ROLLBACK_ALARM_NAMES", ALARM_LIST, "a comma-separated list of alarm names")
      .split(",")
      .map((name) => name.trim())
      .filter(Boolean),
  };
  if (!problems.length && outputs.blue.targetGroupArn === outputs.green.targetGroupArn) {
    problems.push("BLUE_TARGET_GROUP_ARN and GREEN_TARGET_GROUP_ARN are the same target group");
  }
  if (!problems.length && outputs.productionListenerArn === outputs.testListenerArn) {
    problems.push("ALB_LISTENER_ARN and TEST_LISTENER_ARN are the same listener");
  }
  if (problems.length) {
    throw usageError(
      `stack outputs missing or malformed (run the pipeline's outputs job or \`npm run outputs:dotenv\`):\n  ${problems.join("\n  ")}`,
    );
  }
  return outputs;
}
