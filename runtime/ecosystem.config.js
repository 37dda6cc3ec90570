// PM2 process file for the bluegreen service, loaded by the PM2 CLI the hooks run.
// One fork-mode app per port, so the hooks can replace them one at a time (`--only bluegreen-3001`).
// The script path goes through the `current` symlink: each (re)start runs whatever release
// `current` points to at that moment, so switching releases needs no change to PM2's process list.
// Every timeout comes from the drain budget (runtime/budget.ts, settings in runtime.json).
"use strict";

const path = require("node:path");
const { appEnv, hostBudget } = require("./budget.js");

const root = process.env.BLUEGREEN_ROOT || "/opt/bluegreen";
const logDir = process.env.BLUEGREEN_LOG_DIR || "/var/log/bluegreen";
const current = path.join(root, "current");
const budget = hostBudget(process.env);

module.exports = {
  apps: budget.settings.appPorts.map((port) => ({
    name: `bluegreen-${port}`,
    script: path.join(current, "app", "main.js"),
    cwd: current,
    exec_mode: "fork",
    instances: 1,
    env: { NODE_ENV: "production", PORT: String(port), ...appEnv(budget) },
    // The app takes traffic only once it is ready and stable (it binds PORT then), and the hooks
    // wait for exactly that, so PM2 has nothing to wait for. (The hooks start every process from
    // a fresh definition, so this holds even where an earlier release set wait_ready.)
    wait_ready: false,
    // SIGINT first, SIGKILL only after kill_timeout, which is longer than the app's drain bound.
    kill_timeout: budget.killTimeoutMs,
    autorestart: true,
    // An exit within the stability window is an unstable restart; PM2 gives up after 10 of them.
    min_uptime: budget.minUptimeMs,
    max_restarts: 10,
    restart_delay: 1000,
    // CloudWatch agent collects these (EC2 user data configures it for BLUEGREEN_LOG_DIR).
    out_file: path.join(logDir, `app-${port}.out.log`),
    error_file: path.join(logDir, `app-${port}.err.log`),
    // Exactly these names (PM2 would otherwise add the process id), which the hooks quote from.
    merge_logs: true,
    time: true,
  })),
};
