/**
 * The deploy role must allow every AWS call the release tool makes, and nothing it does not make
 * (beyond what CodeDeploy checks on its caller). Both directions are read from the code itself, so
 * a new SDK call in release/ without its IAM action, or a leftover action, fails here.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import { CALLER_ACTIONS_IMPLIED_BY_CODEDEPLOY, deployPolicy } from "../../infra/iam/documents";

const RELEASE_DIR = path.resolve(__dirname, "../../release");
// IAM service prefix of each AWS SDK v3 client package the release tool may use.
const IAM_PREFIX: Record<string, string> = {
    "client-codedeploy": "codedeploy",
    "client-elastic-load-balancing-v2": "elasticloadbalancing",
    "client-cloudwatch": "cloudwatch",
    "client-s3": "s3",
    "client-auto-scaling": "autoscaling",
};

/**
 * Commands whose IAM action is not named after them: S3 authorizes HeadObject as s3:GetObject
 * (AmazonS3/latest/API/API_HeadObject.html, "Permissions").
 */
const IAM_ACTION_OF_COMMAND: Record<string, string> = { "s3:HeadObject": "s3:GetObject" };

function sourceFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        return e.isDirectory() ? sourceFiles(full) : e.name.endsWith(".ts") ? [full] : [];
    });
}

/** `service:Action` for every `new XCommand(` whose class is imported from an AWS SDK client. */
function actionsTheReleaseToolCalls(): Set<string> {
    const actions = new Set<string>();
    for (const file of sourceFiles(RELEASE_DIR)) {
        const source = fs.readFileSync(file, "utf8");
        const imported = new Map<string, string>();
        for (const m of source.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*"@aws-sdk\/([a-z0-9-]+)"/g)) {
            const prefix = IAM_PREFIX[m[2]];
            for (const name of m[1].split(",").map((n) => n.trim().split(/\s+as\s+/).pop()!).filter((n) => n.endsWith("Command"))) {
                if (!prefix) throw new Error(`${file}: unknown AWS client @aws-sdk/${m[2]}; add its IAM prefix here`);
                imported.set(name, prefix);
            }
        }
        for (const m of source.matchAll(/new\s+([A-Za-z]+Command)\s*\(/g)) {
            const prefix = imported.get(m[1]);
            if (!prefix) continue;
            const action = `${prefix}:${m[1].replace(/Command$/, "")}`;
            actions.add(IAM_ACTION_OF_COMMAND[action] ?? action);
        }
    }
    return actions;
}

function actionsTheDeployRoleAllows(): Set<string> {
    const arn = "arn:aws:test";
    const doc = deployPolicy({
        revisionObjectsArn: arn, applicationArn: arn, deploymentGroupArns: [arn], deploymentConfigArn: arn,
        productionListenerArn: arn, testListenerArn: arn, targetGroupArns: [arn], alarmArns: [arn], autoScalingGroupArns: [arn],
    });
    return new Set(doc.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])));
}

describe("deploy role vs. release tool", () => {
    const called = actionsTheReleaseToolCalls();
    const allowed = actionsTheDeployRoleAllows();

    it("finds the release tool's AWS calls (the scan itself works)", () => {
        expect(called).to.include.members([
            "elasticloadbalancing:ModifyListener",
            "codedeploy:CreateDeployment",
            "s3:PutObject",
            "s3:GetObject",
            "cloudwatch:DescribeAlarms",
            "autoscaling:UpdateAutoScalingGroup",
        ]);
    });

    it("allows every AWS call the release tool makes", () => {
        const missing = [...called].filter((a) => !allowed.has(a));
        expect(missing, "add these to infra/iam/documents.ts deployPolicy").to.deep.equal([]);
    });

    it("allows nothing the release tool does not call, except what CodeDeploy checks on its caller", () => {
        const extra = [...allowed].filter((a) => !called.has(a) && !CALLER_ACTIONS_IMPLIED_BY_CODEDEPLOY.includes(a));
        expect(extra, "remove these from deployPolicy, or explain them in CALLER_ACTIONS_IMPLIED_BY_CODEDEPLOY").to.deep.equal([]);
    });
});
