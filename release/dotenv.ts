import { PIPELINE_OUTPUT_NAMES } from "../infra/outputs";

/**
 * GitLab's limits for an `artifacts:reports:dotenv` file (default plan limits). GitLab parses
 * the file with no quoting, escaping, substitution, comments or multi-line values, so anything
 * that would need one of those is refused here instead of reaching a job half-read.
 */
export const DOTENV_LIMITS = { maxVariables: 20, maxBytes: 5120 } as const;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a value cannot be carried verbatim by GitLab's dotenv parser, or undefined if it can. */
function valueProblem(value: string): string | undefined {
  if (value === "") return "is empty (a job would see it unset)";
  if (value === "[secret]") return "is a Pulumi secret (outputs carry no secrets; DESIGN decision 3)";
  if (/[\r\n]/.test(value)) return "spans several lines (GitLab dotenv has no multi-line values)";
  if (/["'`]/.test(value)) return "contains a quote (GitLab keeps quotes literally and supports no escaping)";
  if (value.includes("$")) return "contains '$' (GitLab would expand it as a variable in later jobs)";
  if (value.trim() !== value) return "has leading or trailing whitespace (GitLab strips it)";
  return undefined;
}

export class DotenvError extends Error {
  override name = "DotenvError";
}

/**
 * Turns `pulumi stack output --json` into dotenv text, or throws naming every offending key and
 * value. Numbers and booleans become their JSON text; objects, arrays and null are refused.
 */
export function stackOutputsToDotenv(outputs: unknown, required: readonly string[] = PIPELINE_OUTPUT_NAMES): string {
  if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
    throw new DotenvError("stack outputs must be a JSON object of output name to value");
  }
  const problems: string[] = [];
  const lines: string[] = [];
  for (const [key, raw] of Object.entries(outputs)) {
    if (!KEY.test(key)) {
      problems.push(`${JSON.stringify(key)} is not a valid variable name ([A-Za-z_][A-Za-z0-9_]*)`);
      continue;
    }
    if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
      problems.push(`${key} is ${raw === null ? "null" : Array.isArray(raw) ? "an array" : "an object"}, not a single value`);
      continue;
    }
    const value = String(raw);
    const problem = valueProblem(value);
    if (problem) problems.push(`${key}=${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} ${problem}`);
    else lines.push(`${key}=${value}`);
  }
  const missing = required.filter((name) => !(name in outputs));
  if (missing.length) problems.push(`missing outputs the release jobs need: ${missing.join(", ")}`);

  const count = Object.keys(outputs).length;
  if (count > DOTENV_LIMITS.maxVariables) {
    problems.push(`${count} outputs, more than GitLab's ${DOTENV_LIMITS.maxVariables} dotenv variables`);
  }
  const text = lines.map((line) => `${line}\n`).join("");
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > DOTENV_LIMITS.maxBytes) problems.push(`${bytes} bytes, more than GitLab's ${DOTENV_LIMITS.maxBytes}-byte dotenv limit`);

  if (problems.length) throw new DotenvError(`refusing to write a dotenv report GitLab would reject or misread:\n  ${problems.join("\n  ")}`);
  return text;
}
