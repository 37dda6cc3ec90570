import { execFileSync } from "node:child_process";
import { chmodSync, readdirSync, rmSync, statSync, utimesSync } from "node:fs";
import { join, relative } from "node:path";

/** Every file and directory under `dir`, relative to it, in a locale-independent order. */
function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      out.push(relative(dir, path));
      if (statSync(path).isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out;
}

/**
 * Zip `dir` so the same input gives the same bytes: fixed entry order, every mtime set to
 * `epochSeconds`, modes normalised (755 for directories and executables, 644 otherwise, whatever
 * the umask was) and no extra fields (-X: no uid/gid or extended timestamps).
 */
export function reproducibleZip(dir: string, outFile: string, epochSeconds: number): void {
  const entries = listTree(dir);
  for (const entry of [...entries, "."]) {
    const path = join(dir, entry);
    const stat = statSync(path);
    chmodSync(path, stat.isDirectory() || stat.mode & 0o100 ? 0o755 : 0o644);
    utimesSync(path, epochSeconds, epochSeconds);
  }
  rmSync(outFile, { force: true });
  // -D: no directory entries (their order and times are one more thing to vary); -@: names from stdin.
  execFileSync("zip", ["-q", "-X", "-D", "-@", outFile], {
    cwd: dir,
    input: entries.filter((entry) => !statSync(join(dir, entry)).isDirectory()).join("\n") + "\n",
    env: { ...process.env, TZ: "UTC" },
  });
}
