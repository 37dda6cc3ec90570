import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
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
        expect(run.stderr).to.equal('plan: --stack must be production or staging; got "qa"\n');
    });
});
