import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { knownStacks } from "../../infra/stackFiles";

const ROOT = path.resolve(__dirname, "../..");
/** A stack file that exists only for one test; refuses to touch a real one of the same name. */
function temporaryStackFile(stack: string, text: string): () => void {
    const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
    fs.writeFileSync(file, text, { flag: "wx" });
    return () => fs.rmSync(file, { force: true });
}
const stagingFile = () => fs.readFileSync(path.join(ROOT, "Pulumi.staging.yaml"), "utf8");
const plan = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

describe("npm run plan", () => {
    it("prints the component tree, the outputs as dotenv lines and the policy verdicts for one stack", () => {
        const run = plan("--stack", "staging");
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/=== stack bluegreen\/staging: \d+ resources/);
        expect(run.stdout).to.include("├─ lb  bluegreen:loadbalancing:LoadBalancing");
        expect(run.stdout).to.match(/lb-production {2}aws:lb\/listener:Listener {2}\[ignores changes to defaultActions, tags, tagsAll\]/);
        const [, afterOutputs] = run.stdout.split("--- outputs (dotenv report) ---\n");
        const [dotenvText, verdicts] = afterOutputs.split("--- policy verdicts (policy/config/staging.json) ---\n");
        expect(verdicts).to.include("No policy violations.");
        const dotenv = dotenvText.trim().split("\n");
        expect(dotenv.map((l) => l.split("=")[0])).to.include.members(["AWS_REGION", "ALB_LISTENER_ARN", "ROLLBACK_ALARM_NAMES"]);
        expect(run.stdout).to.not.include("production:");
    });

    it("exits 2 naming the known stacks for an unknown stack, before running any program", () => {
        const run = plan("--stack", "qa");
        expect(run.status).to.equal(2);
        expect(run.stderr).to.match(/^plan: --stack must be .*production.*staging.*; got "qa"\n$/);
    });

    it("refuses a stack file key without the bluegreen: prefix in one line naming it", () => {
        const remove = temporaryStackFile("test-unprefixed", stagingFile() + '  deregistrationDelay: "30"\n');
        try {
            const run = plan("--stack", "test-unprefixed");
            expect(run.status).to.equal(2);
            expect(run.stderr).to.include("  - deregistrationDelay: key without a namespace; expected bluegreen:deregistrationDelay");
            expect(run.stderr).to.not.match(/\n\s+at /);
        } finally {
            remove();
        }
    });

    describe("with a third stack that has no policy config of its own", () => {
        const THIRD = "test-third";
        let remove: () => void;
        // staging's config under another name and address range: plain HTTP, no certificate.
        before(() => (remove = temporaryStackFile(THIRD, stagingFile().replace("10.10.0.0/16", "10.30.0.0/16"))));
        after(() => remove());

        it("is a known stack", () => {
            expect(knownStacks()).to.include.members([THIRD, "production", "staging"]);
        });

        it("says in one line that the pack's defaults apply, and applies them (HTTP-only fails lb-listener-https)", () => {
            const run = plan("--stack", THIRD);
            expect(run.stderr.split("\n")).to.include(`plan: no policy/config/${THIRD}.json: applying the pack's defaults`);
            expect(run.stdout).to.include("--- policy verdicts (the pack's defaults) ---");
            // staging's own config disables lb-listener-https; the pack's default makes it mandatory.
            expect(run.stdout).to.include("[mandatory]  lb-listener-https");
            expect(run.status).to.equal(1);
        });

        it("is planned with the others when no stack is named", () => {
            const run = plan();
            for (const stack of knownStacks()) expect(run.stdout).to.include(`=== stack bluegreen/${stack}: `);
            expect(run.stderr).to.include(`plan: no policy/config/${THIRD}.json: applying the pack's defaults`);
            expect(run.stderr).to.not.include("no policy/config/staging.json");
        });
    });
});
