import { readFileSync } from "node:fs";

/** The release stamp that `npm run bundle` writes to version.json at the bundle root. */
export interface VersionStamp {
  version: string;
  commit: string;
}

/** Reads the stamp shipped in the bundle, so /version reports what was deployed, not the build host. */
export function readVersionStamp(file: string): VersionStamp {
  const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
  if (typeof parsed !== "object" || parsed === null) throw new Error(`${file}: not a JSON object`);
  const { version, commit } = parsed as Record<string, unknown>;
  if (typeof version !== "string" || version === "" || typeof commit !== "string") {
    throw new Error(`${file}: needs string fields "version" and "commit"`);
  }
  return { version, commit };
}
