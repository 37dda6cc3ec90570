/**
 * `npm run bench:policy [-- --sizes 100,1000,5000 --json]`: how the offline gate's time grows
 * with resource count. Each size is a synthetic `pulumi stack export` (version 3) made of copies
 * of a realistic unit (IAM role with inline policy and managed attachment, blue/green target
 * groups, ASG, launch template, security group with rules, load balancer, listener, bucket with
 * its four protection resources, CodeDeploy group), written to .bench/ and then read and
 * evaluated exactly as `policy:check --stack-export` does.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { command } from "../../cli/command";
import { integer, integerList, toggle, type Values } from "../../cli/flags";
import { exitWith, runCommand } from "../../cli/run";
import { evaluate } from "./analyzer";
import { loadPolicyConfig, stackConfigPath } from "./config";
import { readStackExport, REPO_ROOT } from "./sources";

const ACCOUNT = "123456789012";
const REGION = "ap-northeast-2";

function unit(i: number): Record<string, unknown>[] {
    const urn = (type: string, name: string) => `urn:pulumi:production::bench::${type}::${name}-${i}`;
    // Outputs as a provider returns them: the inputs plus what AWS assigns (here the ARN).
    const r = (type: string, name: string, inputs: Record<string, unknown>, propertyDependencies: Record<string, string[]> = {}, arn?: string) => ({
        urn: urn(type, name),
        type,
        custom: true,
        inputs,
        outputs: arn ? { ...inputs, arn } : inputs,
        dependencies: Object.values(propertyDependencies).flat(),
        propertyDependencies,
    });
    const regional = (service: string, resource: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${resource}`;
    const hc = { enabled: true, path: "/health/deep", matcher: "200", interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 };
    const role = r("aws:iam/role:Role", "role", { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }) }, {}, `arn:aws:iam::${ACCOUNT}:role/role-${i}`);
    const bucketName = `bench-bucket-${i}`;
    const bucket = r("aws:s3/bucket:Bucket", "bucket", { bucketPrefix: "bench" }, {}, `arn:aws:s3:::${bucketName}`);
    const listenerArn = regional("elasticloadbalancing", `listener/app/lb/${i}/1`);
    const policy = JSON.stringify({
        Statement: [
            { Effect: "Allow", Action: ["s3:GetObject", "s3:PutObject"], Resource: `arn:aws:s3:::${bucketName}/revisions/*` },
            { Effect: "Allow", Action: ["ec2:DescribeInstances", "autoscaling:DescribeAutoScalingGroups"], Resource: "*" },
            { Effect: "Allow", Action: "elasticloadbalancing:ModifyListener", Resource: listenerArn },
        ],
    });
    const sg = r("aws:ec2/securityGroup:SecurityGroup", "alb-sg", { vpcId: "vpc-1" }, {}, regional("ec2", `security-group/sg-${i}`));
    const on = { bucket: [bucket.urn] };
    const tg = (color: string) =>
        r("aws:lb/targetGroup:TargetGroup", `tg-${color}`, { port: 80, protocol: "HTTP", deregistrationDelay: 300, healthCheck: hc }, {}, regional("elasticloadbalancing", `targetgroup/tg-${color}-${i}/1`));
    const [blue, green] = [tg("blue"), tg("green")];
    const forward = { type: "forward", forward: { targetGroups: [blue, green].map((g, w) => ({ arn: g.outputs.arn, weight: w === 0 ? 100 : 0 })) } };
    const tls = { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [`arn:aws:s3:::${bucketName}`, `arn:aws:s3:::${bucketName}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } };
    return [
        role,
        r("aws:iam/rolePolicy:RolePolicy", "policy", { role: `role-${i}`, policy }, { role: [role.urn], policy: [bucket.urn] }),
        r("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "ssm", { role: `role-${i}`, policyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" }, { role: [role.urn] }),
        blue,
        green,
        r("aws:autoscaling/group:Group", "asg", { healthCheckType: "ELB", healthCheckGracePeriod: 300, targetGroupArns: [blue.outputs.arn] }, { targetGroupArns: [blue.urn] }),
        r("aws:ec2/launchTemplate:LaunchTemplate", "lt", { metadataOptions: { httpTokens: "required" } }, {}, regional("ec2", `launch-template/lt-${i}`)),
        sg,
        r("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "in-443", { securityGroupId: "sg", ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "0.0.0.0/0" }, { securityGroupId: [sg.urn] }),
        r("aws:lb/loadBalancer:LoadBalancer", "alb", { securityGroups: ["sg"] }, { securityGroups: [sg.urn] }, regional("elasticloadbalancing", `loadbalancer/app/lb/${i}`)),
        r("aws:lb/listener:Listener", "https", { port: 443, protocol: "HTTPS", certificateArn: "arn", defaultActions: [forward] }, { defaultActions: [blue.urn, green.urn] }, listenerArn),
        bucket,
        r("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", { bucket: "b", blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, on),
        r("aws:s3/bucketVersioning:BucketVersioning", "ver", { bucket: "b", versioningConfiguration: { status: "Enabled" } }, on),
        r("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "enc", { bucket: "b", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] }, on),
        r("aws:s3/bucketPolicy:BucketPolicy", "tls", { bucket: "b", policy: JSON.stringify({ Statement: [tls] }) }, on),
        r("aws:codedeploy/deploymentGroup:DeploymentGroup", "dg", { autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE"] } }, {}, regional("codedeploy", `deploymentgroup:app-${i}/blue`)),
        r("aws:cloudwatch/metricAlarm:MetricAlarm", "alarm", { threshold: 1 }, {}, regional("cloudwatch", `alarm:alarm-${i}`)),
    ];
}

function syntheticExport(size: number): string {
    const resources: Record<string, unknown>[] = [];
    for (let i = 0; resources.length + unit(i).length <= size; i++) resources.push(...unit(i));
    // Top up with alarms (no policy applies) rather than a partial unit, so the export stays clean.
    for (let i = 0; resources.length < size; i++) resources.push({ urn: `urn:pulumi:production::bench::aws:cloudwatch/metricAlarm:MetricAlarm::extra-${i}`, type: "aws:cloudwatch/metricAlarm:MetricAlarm", custom: true, inputs: {} });
    return JSON.stringify({ version: 3, deployment: { manifest: {}, resources } });
}

async function timeOnce(file: string): Promise<{ ms: number; violations: number }> {
    const start = process.hrtime.bigint();
    const source = readStackExport(file);
    const violations = await evaluate(source.resources, { config: loadPolicyConfig(stackConfigPath("production")) });
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, violations: violations.length };
}

export const BENCH_POLICY = command({
    name: "bench:policy",
    invocation: "npm run bench:policy --",
    summary: "Time the offline gate (read + parse + evaluate every policy) on synthetic stack exports of growing size.",
    flags: {
        sizes: integerList("resource counts of the synthetic exports", { min: 1, max: 100_000, example: "100,1000,5000" }).default([100, 500, 1000, 2500, 5000, 10_000]),
        runs: integer("timed runs per size (the median is reported)", { min: 1, max: 50 }).default(3),
        json: toggle("print the results as JSON"),
    },
    exitCodes: { 0: "measured", 2: "bad usage" },
});

async function main({ sizes, runs, json }: Values<typeof BENCH_POLICY.flags>): Promise<number> {
    const dir = path.join(REPO_ROOT, ".bench");
    mkdirSync(dir, { recursive: true });
    // Warm-up: loads the IAM data the policies read, as the first resource of a real run would.
    const warm = path.join(dir, "warmup.json");
    writeFileSync(warm, syntheticExport(50));
    const cold = await timeOnce(warm);
    const rows = [];
    for (const size of sizes) {
        const file = path.join(dir, `export-${size}.json`);
        writeFileSync(file, syntheticExport(size));
        const times: number[] = [];
        let violations = 0;
        for (let i = 0; i < runs; i++) ({ ms: times[i], violations } = await timeOnce(file));
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)];
        rows.push({ resources: size, medianMs: Math.round(median), bestMs: Math.round(times[0]), msPer1000: Math.round((median / size) * 1000), violations });
    }
    if (json) {
        console.log(JSON.stringify({ coldStartMs: Math.round(cold.ms), runs, rows }, null, 2));
        return 0;
    }
    console.log(`policy gate benchmark: ${runs} runs per size, read + parse + evaluate every policy (production config)`);
    console.log(`first evaluation (cold IAM data, 50 resources): ${Math.round(cold.ms)} ms\n`);
    console.log("resources  median ms  best ms  ms/1000 res  violations");
    for (const r of rows) {
        console.log(`${String(r.resources).padStart(9)}  ${String(r.medianMs).padStart(9)}  ${String(r.bestMs).padStart(7)}  ${String(r.msPer1000).padStart(11)}  ${String(r.violations).padStart(10)}`);
    }
    return 0;
}

if (require.main === module) exitWith(runCommand(BENCH_POLICY, process.argv.slice(2), main));
