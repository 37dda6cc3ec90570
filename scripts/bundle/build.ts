import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { hostBudget } from "../../runtime/budget";
import { appspecProblems, budgetProblems } from "./appspec";
import { reproducibleZip } from "./zip";

export const REPO_ROOT = resolve(__dirname, "..", "..");

export interface VersionStamp {
  version: string;
  commit: string;
}

export interface BundleOptions {
  outFile: string;
  /** Defaults to `<app/package.json version>-<commit[0:12]>`. */
  version?: string;
  /** Defaults to CI_COMMIT_SHA, else `git rev-parse HEAD`. */
  commit?: string;
}

function git(...args: string[]): string {
  return execFileSync("git", args, { cwd: REPO_ROOT, encoding: "utf8" }).trim();
}

function readAppManifest(): { version: string; dependencies?: Record<string, string> } {
  return JSON.parse(readFileSync(join(REPO_ROOT, "app", "package.json"), "utf8"));
}

export function resolveStamp(options: Pick<BundleOptions, "version" | "commit">): VersionStamp {
  const commit = options.commit ?? process.env.CI_COMMIT_SHA ?? git("rev-parse", "HEAD");
  return { version: options.version ?? `${readAppManifest().version}-${commit.slice(0, 12)}`, commit };
}

/**
 * The stamp the hooks and the app read. One field per line: hooks/lib.sh reads it with sed, since
 * instances need no JSON tool for it.
 */
export function stampText(stamp: VersionStamp): string {
  return JSON.stringify(stamp, null, 2) + "\n";
}

/** Lay the revision out in `stage`: appspec.yml at the root, app/, hooks/, runtime/, version.json. */
function stageRevision(stage: string, stamp: VersionStamp): void {
  const tsc = join(REPO_ROOT, "node_modules", ".bin", "tsc");
  execFileSync(tsc, ["-p", join(REPO_ROOT, "app", "tsconfig.json"), "--outDir", join(stage, "app")], { stdio: "inherit" });
  // The budget module runs on the host under plain node (ecosystem.config.js, the hooks).
  execFileSync(tsc, ["-p", join(REPO_ROOT, "runtime", "tsconfig.json"), "--outDir", join(stage, "runtime")], { stdio: "inherit" });
  const manifest = readAppManifest();
  cpSync(join(REPO_ROOT, "app", "package.json"), join(stage, "app", "package.json"));
  if (Object.keys(manifest.dependencies ?? {}).length > 0) {
    // Instances never run npm: production dependencies travel in the bundle.
    execFileSync("npm", ["install", "--omit=dev", "--ignore-scripts", "--no-audit", "--no-fund", "--no-package-lock"], {
      cwd: join(stage, "app"),
      stdio: "inherit",
    });
  }
  cpSync(join(REPO_ROOT, "hooks", "appspec.yml"), join(stage, "appspec.yml"));
  mkdirSync(join(stage, "hooks"));
  for (const script of ["lib.sh", "application-stop.sh", "before-install.sh", "after-install.sh", "application-start.sh", "validate-service.sh"]) {
    cpSync(join(REPO_ROOT, "hooks", script), join(stage, "hooks", script));
  }
  for (const file of ["nginx-site.conf.template", "ecosystem.config.js", "runtime.json"]) {
    cpSync(join(REPO_ROOT, "runtime", file), join(stage, "runtime", file));
  }
  writeFileSync(join(stage, "version.json"), stampText(stamp));
}

/** Build the CodeDeploy revision zip; returns its stamp. Throws if the appspec does not hold up. */
export async function buildBundle(options: BundleOptions): Promise<VersionStamp> {
  const stamp = resolveStamp(options);
  const stage = mkdtempSync(join(tmpdir(), "bluegreen-bundle-"));
  try {
    stageRevision(stage, stamp);
    const appspec = readFileSync(join(stage, "appspec.yml"), "utf8");
    const problems = appspecProblems(stage, appspec);
    if (problems.length > 0) throw new Error(`invalid revision:\n  ${problems.join("\n  ")}`);
    // The budget as the bundle ships it, without this machine's environment.
    const [misfit] = budgetProblems(appspec, hostBudget({}));
    if (misfit) throw new Error(misfit);
    // Same commit, same bytes: every entry gets the commit's time (or SOURCE_DATE_EPOCH).
    const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? git("show", "-s", "--format=%ct", "HEAD"));
    mkdirSync(resolve(options.outFile, ".."), { recursive: true });
    await reproducibleZip(stage, resolve(options.outFile), epoch);
    return stamp;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
