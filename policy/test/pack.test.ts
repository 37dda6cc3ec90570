/** Pack-wide invariants: metadata every policy must carry, and the per-stack config files. */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadPolicyConfig, reconcileConfig } from "../offline/config";
import { policies } from "../policies";

const MISSION_POLICIES = [
    "iam-no-wildcard-actions",
    "iam-no-wildcard-resources",
    "iam-no-not-action-or-not-resource",
    "iam-passrole-named-roles",
    "iam-no-broad-managed-policies",
    "iam-trust-policy",
    "iam-resource-policy-grants",
    "lb-deregistration-delay",
    "lb-health-check",
    "asg-elb-health-check",
    "lb-blue-green-parity",
    "compute-no-public-ingress",
    "storage-bucket-protection",
    "storage-bucket-policy-grants",
];

describe("policy pack", () => {
    it("gives every policy a unique kebab-case name, description, severity, level, remediation and defaulted config", () => {
        const names = policies.map((p) => p.name);
        expect(new Set(names).size).to.equal(names.length);
        for (const p of policies) {
            expect(p.name, p.name).to.match(/^[a-z0-9]+(-[a-z0-9]+)+$/);
            expect(p.description, p.name).to.have.length.above(20);
            expect(p.severity, p.name).to.be.oneOf(["low", "medium", "high", "critical"]);
            expect(p.enforcementLevel, p.name).to.be.oneOf(["advisory", "mandatory"]);
            expect(p.remediationSteps, p.name).to.have.length.above(20);
            for (const [key, schema] of Object.entries(p.configSchema?.properties ?? {})) {
                expect(typeof schema === "object" && schema.default !== undefined, `${p.name}.${key} has a default`).to.equal(true);
            }
        }
    });

    for (const stack of ["staging", "production"]) {
        it(`has a valid ${stack} config that keeps the mission's policies mandatory`, () => {
            const settings = reconcileConfig(policies, loadPolicyConfig(path.join(__dirname, "..", "config", `${stack}.json`)));
            for (const name of MISSION_POLICIES) expect(settings.get(name)?.enforcementLevel, name).to.equal("mandatory");
        });
    }

    for (const stack of ["staging", "production"]) {
        it(`trusts the ${stack} stack's own GitLab project and protected ref, and nothing else`, () => {
            const stackConfig = parse(readFileSync(path.join(__dirname, "..", "..", `Pulumi.${stack}.yaml`), "utf8")).config;
            const trust = loadPolicyConfig(path.join(__dirname, "..", "config", `${stack}.json`))["iam-trust-policy"] as Record<string, unknown>;
            expect(trust.projectPaths).to.deep.equal([stackConfig["bluegreen:gitlabProjectPath"]]);
            expect(trust.protectedRefs).to.deep.equal([stackConfig["bluegreen:gitlabProtectedRef"] ?? "main"]);
        });
    }

    it("loads as the CLI runs it: @pulumi/pulumi's run-policy-pack type-checks the pack with ts-node and serves the analyzer", async () => {
        // The one place index.ts is executed: in a child process, because it starts a gRPC server.
        // run-policy-pack is what the CLI's policy analyzer plugin runs; it prints the server's port.
        const packDir = path.join(__dirname, "..");
        const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack");
        const child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
        try {
            const port = await new Promise<string>((resolve, reject) => {
                let out = "";
                let err = "";
                child.stdout.on("data", (d) => {
                    out += d;
                    if (/^\d+\n/.test(out)) resolve(out.trim());
                });
                child.stderr.on("data", (d) => (err += d));
                child.on("exit", (code) => reject(new Error(`pack exited ${code}: ${err}`)));
            });
            expect(Number(port)).to.be.greaterThan(0);
        } finally {
            child.kill();
        }
    });
});
