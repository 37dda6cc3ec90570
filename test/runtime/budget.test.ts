/**
 * The drain budget: one setting, every timeout derived from it, the keep-alive chain in order,
 * and the appspec's hook timeouts checked against it at bundle time.
 */
import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ALB_IDLE_TIMEOUT_SECONDS as INFRA_ALB_IDLE_TIMEOUT_SECONDS } from "../../infra/loadBalancing";
import { ALB_IDLE_TIMEOUT_SECONDS, BudgetError, deriveBudget, hostBudget, readSettings } from "../../runtime/budget";
import { budgetProblems } from "../../scripts/bundle/appspec";

const repo = resolve(__dirname, "..", "..");
const appspec = readFileSync(join(repo, "hooks", "appspec.yml"), "utf8");

describe("runtime: drain budget", () => {
  const budget = hostBudget({});

  it("derives every bound from drainSeconds and keeps the keep-alive chain in order", () => {
    const { settings } = budget;
    expect(settings.drainSeconds).to.equal(30);
    // ALB idle < nginx client keepalive; nginx upstream keepalive < app keepAliveTimeout < headersTimeout
    expect(budget.clientKeepaliveSeconds).to.be.above(ALB_IDLE_TIMEOUT_SECONDS);
    expect(settings.upstreamKeepaliveSeconds * 1000).to.be.below(budget.appKeepAliveTimeoutMs);
    expect(budget.appKeepAliveTimeoutMs).to.be.below(budget.appHeadersTimeoutMs);
    // A request as long as the budget finishes, then nginx retires its idle connection, all
    // inside the app's drain bound, which PM2 waits out before SIGKILL.
    expect(budget.proxyTimeoutSeconds).to.equal(settings.drainSeconds);
    expect(budget.appDrainBoundMs).to.be.at.least((settings.drainSeconds + settings.upstreamKeepaliveSeconds) * 1000);
    expect(budget.killTimeoutMs).to.be.above(budget.appDrainBoundMs);
    expect(budget.minUptimeMs).to.equal(settings.stableSeconds * 1000);
    expect(budget.processBoundSeconds).to.be.at.least(budget.killTimeoutMs / 1000 + settings.readyTimeoutSeconds + settings.stableSeconds);
    // The hooks' wait for a new process fits inside one replacement, after the old one's stop.
    expect(budget.processStartSeconds).to.be.above(settings.readyTimeoutSeconds + settings.stableSeconds);
    expect(budget.processBoundSeconds).to.be.above(budget.killTimeoutMs / 1000 + budget.processStartSeconds);

    const longer = deriveBudget({ ...settings, drainSeconds: 45 });
    expect(longer.killTimeoutMs - budget.killTimeoutMs).to.equal(15_000);
    expect(longer.proxyTimeoutSeconds).to.equal(45);
    expect(longer.hookSeconds.ApplicationStart).to.be.above(budget.hookSeconds.ApplicationStart);
  });

  it("uses the ALB idle timeout the infrastructure declares", () => {
    expect(ALB_IDLE_TIMEOUT_SECONDS).to.equal(INFRA_ALB_IDLE_TIMEOUT_SECONDS);
  });

  it("takes a host's environment over runtime.json and refuses unusable settings in one line", () => {
    const file = join(repo, "runtime", "runtime.json");
    expect(readSettings(file, { BLUEGREEN_DRAIN_SECONDS: "12", BLUEGREEN_APP_PORTS: "4001 4002" })).to.deep.include({ drainSeconds: 12, appPorts: [4001, 4002] });
    expect(() => readSettings(file, { BLUEGREEN_STABLE_SECONDS: "soon" })).to.throw(BudgetError, 'BLUEGREEN_STABLE_SECONDS must be a positive whole number of seconds, got "soon"');
    expect(() => readSettings(file, { BLUEGREEN_APP_PORTS: "3001 http" })).to.throw(BudgetError, 'BLUEGREEN_APP_PORTS must list TCP ports, got "3001 http"');
    expect(() => deriveBudget({ ...budget.settings, drainSeconds: 60 })).to.throw(BudgetError, "drainSeconds 60 must be below the ALB idle timeout (60 s)");
  });

  it("fits the appspec's hook timeouts, and names the hook and the fix when a budget does not", () => {
    expect(budgetProblems(appspec, budget)).to.deep.equal([]);
    const needed = deriveBudget({ ...budget.settings, drainSeconds: 50 }).hookSeconds.ApplicationStart;
    expect(budgetProblems(appspec, deriveBudget({ ...budget.settings, drainSeconds: 50 }))).to.deep.equal([
      `appspec.yml: ApplicationStart timeout 900 s cannot fit the drain budget (drainSeconds 50 needs ${needed} s); raise it to at least ${needed} or lower drainSeconds in runtime/runtime.json`,
    ]);
    const tooMany = deriveBudget({ ...budget.settings, appPorts: Array.from({ length: 24 }, (_, i) => 3001 + i) });
    expect(budgetProblems(appspec, tooMany)[0]).to.match(/^runtime\/runtime.json: ApplicationStart would need \d+ s, above CodeDeploy's 3600 s hook limit/);
  });

  it("runs under plain node for the hooks: NAME='value' lines, --help, and a bad setting in one line with exit 2", () => {
    // As a script (the bundle ships it compiled: see the bundle suite).
    const out = execFileSync(join(repo, "node_modules", ".bin", "tsx"), [join(repo, "runtime", "budget.ts"), "shell"], { encoding: "utf8", env: { ...process.env, BLUEGREEN_DRAIN_SECONDS: "20", BLUEGREEN_READY_TIMEOUT: "12" } });
    expect(out).to.contain("BUDGET_DRAIN_SECONDS='20'\n");
    expect(out).to.contain(`BUDGET_PROCESS_START_SECONDS='${deriveBudget({ ...budget.settings, drainSeconds: 20, readyTimeoutSeconds: 12 }).processStartSeconds}'\n`);
    expect(out).to.match(/^BLUEGREEN_APP_PORTS='3001 3002 3003 3004'$/m);
    const help = spawnSync(join(repo, "node_modules", ".bin", "tsx"), [join(repo, "runtime", "budget.ts"), "--help"], { encoding: "utf8" });
    expect(help.status).to.equal(0);
    const bad = spawnSync(join(repo, "node_modules", ".bin", "tsx"), [join(repo, "runtime", "budget.ts"), "shell"], { encoding: "utf8", env: { ...process.env, BLUEGREEN_DRAIN_SECONDS: "90" } });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.equal("drainSeconds 90 must be below the ALB idle timeout (60 s), which cuts any longer response\n");
  });
});
