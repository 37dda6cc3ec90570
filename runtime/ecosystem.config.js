// PM2 process file for the bluegreen service, loaded by the PM2 CLI the hooks run.
// One fork-mode app per port, so the hooks can replace them one at a time (`--only bluegreen-3001`).
// The script path goes through the `current` symlink: each (re)start runs whatever release
// `current` points to at that moment, so switching releases needs no change to PM2's process list.
"use strict";

const path = require("node:path");

const root = process.env.BLUEGREEN_ROOT || "/opt/bluegreen";
const logDir = process.env.BLUEGREEN_LOG_DIR || "/var/log/bluegreen";
// The same bound the hooks give a process to answer /health/deep (BLUEGREEN_READY_TIMEOUT).
const readyTimeoutMs = 1000 * Number(process.env.BLUEGREEN_READY_TIMEOUT || 30);
const ports = (process.env.BLUEGREEN_APP_PORTS || "3001 3002 3003 3004").split(/\s+/).filter(Boolean);
const current = path.join(root, "current");

module.exports = {
  apps: ports.map((port) => ({
    name: `bluegreen-${port}`,
    script: path.join(current, "app", "main.js"),
    cwd: current,
    exec_mode: "fork",
    instances: 1,
    env: { NODE_ENV: "production", PORT: port },
    // Online only once the app sends process.send('ready') after listen(); the hooks also probe
    // /health/deep themselves before moving on to the next process.
    wait_ready: true,
    listen_timeout: readyTimeoutMs,
    // SIGINT first; SIGKILL only after this, which is longer than the app's 8 s drain bound.
    kill_timeout: 10000,
    autorestart: true,
    min_uptime: 5000,
    max_restarts: 10,
    restart_delay: 1000,
    // CloudWatch agent collects these (EC2 user data configures it for BLUEGREEN_LOG_DIR).
    out_file: path.join(logDir, `app-${port}.out.log`),
    error_file: path.join(logDir, `app-${port}.err.log`),
    time: true,
  })),
};
