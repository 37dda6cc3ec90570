/**
 * The stack outputs ARE the pipeline's variables (DESIGN.md decision 3): UPPER_SNAKE names the
 * jobs use verbatim, single-line values with nothing to quote, no secrets, at most 20. The release
 * tool reads these names from its environment, the dotenv converter requires them, and the
 * pipeline test checks .gitlab-ci.yml against them: renaming one breaks a test, not a release.
 */
import type * as pulumi from "@pulumi/pulumi";

export const PIPELINE_OUTPUT_NAMES = [
    "AWS_REGION",
    "ALB_DNS_NAME",
    "ALB_LISTENER_ARN",
    "TEST_LISTENER_ARN",
    "TEST_LISTENER_URL",
    "BLUE_TARGET_GROUP_ARN",
    "GREEN_TARGET_GROUP_ARN",
    "BLUE_ASG_NAME",
    "GREEN_ASG_NAME",
    "CODEDEPLOY_APPLICATION_NAME",
    "BLUE_DEPLOYMENT_GROUP",
    "GREEN_DEPLOYMENT_GROUP",
    "CODEDEPLOY_S3_BUCKET",
    "DEPLOY_ROLE_ARN",
    "ROLLBACK_ALARM_NAMES",
] as const;

export type PipelineOutputName = (typeof PIPELINE_OUTPUT_NAMES)[number];
export type PipelineOutputs = Record<PipelineOutputName, pulumi.Output<string>>;

