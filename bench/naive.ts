/**
 * The release our users' old guide did, for comparison: put the new files in place, then
 * `pm2 restart all` and `systemctl restart nginx` (which stops the nginx master, waiting for it
 * to exit, and starts a new one). Run against the same sandbox and load as the hooks.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp, rename, symlink, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Sandbox } from "../scripts/sandbox";

const run = promisify(execFile);

async function nginx(sandbox: Sandbox, ...args: string[]): Promise<void> {
  const env = sandbox.env;
  await run(env.BLUEGREEN_NGINX_BIN ?? "nginx", ["-p", env.BLUEGREEN_NGINX_PREFIX ?? "", "-c", env.BLUEGREEN_NGINX_CONF ?? "", ...args], { env });
}

async function waitForExit(pidFile: string): Promise<void> {
  while (existsSync(pidFile)) await new Promise((resolve) => setTimeout(resolve, 20));
}

export async function naiveRelease(sandbox: Sandbox, revision: string, version: string): Promise<void> {
  const release = join(sandbox.releasesDir, version);
  await rm(release, { recursive: true, force: true });
  await cp(revision, release, { recursive: true });
  const link = `${sandbox.currentLink}.naive`;
  await rm(link, { force: true });
  await symlink(release, link);
  await rename(link, sandbox.currentLink);

  await run(sandbox.env.PM2_BIN ?? "pm2", ["restart", "all"], { env: sandbox.env });

  // systemctl restart nginx on Debian: stop (QUIT, wait for the master to go), then start.
  const pidFile = sandbox.env.BLUEGREEN_NGINX_PID ?? "";
  process.kill(Number(readFileSync(pidFile, "utf8")), "SIGQUIT");
  await waitForExit(pidFile);
  await nginx(sandbox);
}
