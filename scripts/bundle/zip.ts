/**
 * The revision zip, written with yazl (no `zip` binary needed on the CI image) so that the same
 * input gives the same bytes on any machine.
 */
import { createWriteStream, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { finished } from "node:stream/promises";
import { ZipFile } from "yazl";

/** Regular files under `dir`, relative with "/" separators, in a locale-independent order. */
function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    for (const name of readdirSync(current).sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path).split(sep).join("/"));
    }
  };
  walk(dir);
  return out;
}

/**
 * A zip's DOS timestamps carry no time zone and yazl fills them from local time, so shift the
 * instant by the local offset: every machine then writes the same UTC wall-clock fields.
 */
function utcWallClock(epochSeconds: number): Date {
  const instant = new Date(epochSeconds * 1000);
  return new Date(instant.getTime() + instant.getTimezoneOffset() * 60_000);
}

/**
 * Zip `dir` reproducibly: sorted entries, every time set to `epochSeconds` (DOS timestamps only,
 * no extra fields), Unix modes reduced to 755 (executable) or 644, no directory entries. Unzip
 * tools and the CodeDeploy agent restore the modes, so hooks stay executable.
 */
export async function reproducibleZip(dir: string, outFile: string, epochSeconds: number): Promise<void> {
  const zip = new ZipFile();
  const mtime = utcWallClock(epochSeconds);
  for (const name of listFiles(dir)) {
    const path = join(dir, ...name.split("/"));
    const mode = statSync(path).mode & 0o100 ? 0o100755 : 0o100644;
    zip.addBuffer(readFileSync(path), name, { mtime, mode, compress: true, forceDosTimestamp: true });
  }
  zip.end();
  await finished(zip.outputStream.pipe(createWriteStream(outFile)));
}
