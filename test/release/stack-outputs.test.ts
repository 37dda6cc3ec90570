import { expect } from "chai";
import { PIPELINE_OUTPUT_NAMES } from "../../infra/outputs";
import { readStackOutputs } from "../../release/stack-outputs";
import { ENV } from "./fake-aws";

describe("release: stack outputs from the environment", () => {
  it("reads every output into the tool's model", () => {
    const outputs = readStackOutputs(ENV);
    expect(outputs.green.deploymentGroup).to.equal("bluegreen-staging-green");
    expect(outputs.rollbackAlarmNames).to.deep.equal(["bluegreen-staging-5xx", "bluegreen-staging-latency"]);
    expect(outputs.testListenerUrl).to.equal("http://bluegreen-staging-123456.eu-west-1.elb.amazonaws.com:8443");
  });

  it("names every missing variable", () => {
    expect(() => readStackOutputs({})).to.throw(/AWS_REGION is not set[\s\S]*ROLLBACK_ALARM_NAMES is not set/);
    for (const name of PIPELINE_OUTPUT_NAMES) {
      const env: Record<string, string> = { ...ENV };
      delete env[name];
      expect(() => readStackOutputs(env), name).to.throw(new RegExp(`${name} is not set`));
    }
  });

  const malformed: [string, string, RegExp][] = [
    ["AWS_REGION", "Ireland", /AWS_REGION is not an AWS region/],
    ["ALB_LISTENER_ARN", "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/x/1", /ALB_LISTENER_ARN is not an ALB listener ARN/],
    ["GREEN_TARGET_GROUP_ARN", ENV.BLUE_TARGET_GROUP_ARN, /same target group/],
    ["TEST_LISTENER_ARN", ENV.ALB_LISTENER_ARN, /same listener/],
    ["TEST_LISTENER_URL", "bluegreen:8443", /TEST_LISTENER_URL is not an http\(s\) URL/],
    ["ROLLBACK_ALARM_NAMES", "a,,b", /ROLLBACK_ALARM_NAMES is not a comma-separated list/],
    ["DEPLOY_ROLE_ARN", "AKIAIOSFODNN7EXAMPLE", /DEPLOY_ROLE_ARN is not an IAM role ARN/],
    ["CODEDEPLOY_S3_BUCKET", "Has_Upper", /CODEDEPLOY_S3_BUCKET is not an S3 bucket name/],
  ];
  for (const [name, value, message] of malformed) {
    it(`rejects a malformed ${name}`, () => {
      expect(() => readStackOutputs({ ...ENV, [name]: value })).to.throw(message);
    });
  }

  it("accepts alarm names with spaces", () => {
    expect(readStackOutputs({ ...ENV, ROLLBACK_ALARM_NAMES: "high 5xx,p99 latency" }).rollbackAlarmNames).to.deep.equal([
      "high 5xx",
      "p99 latency",
    ]);
  });
});
