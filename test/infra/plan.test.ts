import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const plan = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "scripts/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

describe("npm run plan", () => {
    it("prints the component tree and the outputs as dotenv lines for one stack", () => {
        const run = plan("--stack", "staging");
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.match(/=== stack bluegreen\/staging: \d+ resources/);
        expect(run.stdout).to.include("├─ lb  bluegreen:loadbalancing:LoadBalancing");
        expect(run.stdout).to.match(/lb-production {2}aws:lb\/listener:Listener {2}\[ignores changes to defaultActions\]/);
        const dotenv = run.stdout.split("--- outputs (dotenv report) ---\n")[1].trim().split("\n");
        expect(dotenv.map((l) => l.split("=")[0])).to.include.members(["AWS_REGION", "ALB_LISTENER_ARN", "ROLLBACK_ALARM_NAMES"]);
        expect(run.stdout).to.not.include("production:");
    });

    it("exits 2 naming the stack and the known stacks for an unknown stack", () => {
        const run = plan("--stack", "qa");
        expect(run.status).to.equal(2);
        expect(run.stderr).to.match(/unknown stack "qa".*known stacks: production, staging/);
    });

    it("exits 2 with usage on an unknown flag", () => {
        const run = plan("--stak", "staging");
        expect(run.status).to.equal(2);
        expect(run.stderr).to.match(/Unknown option '--stak'[\s\S]*usage: npm run plan/);
    });
});
