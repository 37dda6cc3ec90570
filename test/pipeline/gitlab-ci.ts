/**
 * Reads .gitlab-ci.yml the way GitLab does for what our checks need: YAML with anchors,
 * hidden templates, `extends` merged (hashes deep-merged, everything else replaced), `default:`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";

export const REPO_ROOT = join(__dirname, "..", "..");

/** Top-level keys that are pipeline settings, not jobs (GitLab CI YAML reference). */
export const GLOBAL_KEYWORDS = new Set(["default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script", "after_script"]);
/** Job settings `default:` may set. */
const DEFAULTABLE = ["image", "interruptible", "before_script", "after_script", "cache", "artifacts", "retry", "timeout", "tags", "services", "id_tokens", "hooks"];

export type Node = Record<string, any>;

export interface Pipeline {
  raw: Node;
  stages: string[];
  /** Non-hidden jobs, with `extends` and `default:` applied. */
  jobs: Map<string, Node>;
}

export function loadPipeline(text = readFileSync(join(REPO_ROOT, ".gitlab-ci.yml"), "utf8")): Pipeline {
  const document = parseDocument(text, { merge: true, uniqueKeys: true });
  if (document.errors.length) throw new Error(`.gitlab-ci.yml does not parse: ${document.errors.map((e) => e.message).join("; ")}`);
  const raw = document.toJS({ maxAliasCount: 1000 }) as Node;
  const jobs = new Map<string, Node>();
  for (const name of Object.keys(raw)) {
    if (GLOBAL_KEYWORDS.has(name) || name.startsWith(".")) continue;
    jobs.set(name, applyDefaults(resolveExtends(raw, name), raw.default ?? {}));
  }
  return { raw, stages: raw.stages ?? ["build", "test", "deploy"], jobs };
}

const isHash = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

function deepMerge(base: Node, override: Node): Node {
  const merged: Node = { ...base };
  for (const [key, value] of Object.entries(override)) {
    merged[key] = isHash(merged[key]) && isHash(value) ? deepMerge(merged[key], value) : value;
  }
  return merged;
}

export function resolveExtends(raw: Node, name: string, depth = 0): Node {
  if (depth > 11) throw new Error(`extends nests deeper than GitLab's 11 levels at ${name}`);
  const node = raw[name];
  if (!isHash(node)) throw new Error(`extends refers to ${name}, which is not defined`);
  const parents: string[] = node.extends === undefined ? [] : [node.extends].flat();
  let merged: Node = {};
  for (const parent of parents) merged = deepMerge(merged, resolveExtends(raw, parent, depth + 1));
  const own = { ...node };
  delete own.extends;
  return deepMerge(merged, own);
}

function applyDefaults(job: Node, defaults: Node): Node {
  const withDefaults = { ...job };
  for (const key of DEFAULTABLE) if (!(key in withDefaults) && key in defaults) withDefaults[key] = defaults[key];
  return withDefaults;
}

/** A job's shell lines as the runner sees them (GitLab flattens nested arrays from anchors). */
export const scriptLines = (job: Node): string[] =>
  [job.before_script ?? [], job.script ?? [], job.after_script ?? []].flat(10).map(String);

export const needsOf = (job: Node): { job: string; optional: boolean }[] =>
  (job.needs ?? []).map((need: string | Node) =>
    typeof need === "string" ? { job: need, optional: false } : { job: String(need.job), optional: need.optional === true },
  );

/** Every string anywhere under a node. */
export function strings(node: unknown): string[] {
  if (typeof node === "string") return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (isHash(node)) return [...Object.keys(node), ...Object.values(node).flatMap(strings)];
  return [];
}

/** UPPER_CASE variable names referenced as $NAME or ${NAME}; lower-case names are shell locals. */
export const referencedVariables = (texts: string[]): Set<string> =>
  new Set(texts.flatMap((text) => [...text.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)].map((m) => m[1]!)));
