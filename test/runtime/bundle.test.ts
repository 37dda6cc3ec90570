import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appspecProblems, hookLocations, LIFECYCLE_EVENTS } from "../../scripts/bundle/appspec";
import { buildBundle } from "../../scripts/bundle/build";
import { appEnv, hostBudget } from "../../runtime/budget";
import { unpackRevision } from "../../scripts/sandbox";

describe("runtime: bundle", function () {
  this.timeout(60_000);
  let work: string;
  let first: string;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), "bluegreen-bundle-test-"));
    first = join(work, "first.zip");
    await buildBundle({ outFile: first, version: "1.0.0-test", commit: "0123456789abcdef" });
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it("is byte-for-byte reproducible for the same commit, whatever the machine's time zone", async () => {
    const second = join(work, "second.zip");
    const zone = process.env.TZ;
    // Node re-reads TZ on assignment: this build runs as on a machine 9 hours east of the first.
    process.env.TZ = "Asia/Seoul";
    try {
      await buildBundle({ outFile: second, version: "1.0.0-test", commit: "0123456789abcdef" });
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    expect(readFileSync(second).equals(readFileSync(first))).to.equal(true);
  });

  it("holds appspec.yml at the root, the built app, hooks, runtime config and the version stamp", () => {
    const names = execFileSync("unzip", ["-Z1", first], { encoding: "utf8" }).trim().split("\n");
    expect(names).to.include.members([
      "appspec.yml",
      "version.json",
      "app/main.js",
      "app/package.json",
      "hooks/lib.sh",
      "runtime/ecosystem.config.js",
      "runtime/nginx-site.conf.template",
      "runtime/runtime.json",
      "runtime/budget.js",
    ]);
    expect(names.filter((name) => name.endsWith(".ts"))).to.deep.equal([]);
    const stamp = JSON.parse(execFileSync("unzip", ["-p", first, "version.json"], { encoding: "utf8" }));
    expect(stamp).to.deep.equal({ version: "1.0.0-test", commit: "0123456789abcdef" });
  });

  it("ships the budget compiled for plain node: the hooks' values and PM2's process file derive from runtime.json", () => {
    const dir = unpackRevision(first, join(work, "budget"));
    const budget = hostBudget({});
    const shell = execFileSync(process.execPath, [join(dir, "runtime", "budget.js"), "shell"], { encoding: "utf8", env: { PATH: process.env.PATH } });
    expect(shell).to.contain(`BUDGET_DRAIN_SECONDS='${budget.settings.drainSeconds}'`);
    const apps = JSON.parse(
      execFileSync(process.execPath, ["-e", `console.log(JSON.stringify(require(${JSON.stringify(join(dir, "runtime", "ecosystem.config.js"))}).apps))`], {
        encoding: "utf8",
        env: { PATH: process.env.PATH, BLUEGREEN_ROOT: "/srv/bg" },
      }),
    ) as { name: string; kill_timeout: number; min_uptime: number; merge_logs: boolean; wait_ready: boolean; env: Record<string, string> }[];
    expect(apps.map((app) => app.name)).to.deep.equal(budget.settings.appPorts.map((port) => `bluegreen-${port}`));
    expect(apps[0]).to.deep.include({ kill_timeout: budget.killTimeoutMs, min_uptime: budget.minUptimeMs, merge_logs: true });
    expect(apps[0].wait_ready).to.equal(false);
    expect(apps[0].env).to.deep.equal({ NODE_ENV: "production", PORT: String(budget.settings.appPorts[0]), ...appEnv(budget) });
  });

  it("unpacks to a revision whose appspec hooks all exist and are executable", () => {
    const dir = unpackRevision(first, join(work, "unpacked"));
    const appspec = readFileSync(join(dir, "appspec.yml"), "utf8");
    expect([...hookLocations(appspec).keys()]).to.deep.equal([...LIFECYCLE_EVENTS]);
    expect(appspecProblems(dir, appspec)).to.deep.equal([]);

    chmodSync(join(dir, "hooks", "validate-service.sh"), 0o644);
    expect(appspecProblems(dir, appspec)).to.deep.equal([
      "ValidateService points at hooks/validate-service.sh, which is not an executable file in the bundle",
    ]);
    expect(appspecProblems(dir, appspec.replace(/ {2}BeforeInstall:\n.*\n.*\n.*\n/, ""))).to.include("appspec.yml has no script for BeforeInstall");
  });
});
