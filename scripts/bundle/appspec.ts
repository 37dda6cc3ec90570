import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { MAX_HOOK_TIMEOUT_SECONDS, type Budget } from "../../runtime/budget";

/** The lifecycle events our appspec must wire, in the order CodeDeploy runs them. */
export const LIFECYCLE_EVENTS = ["ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

export interface HookEntry {
  location: string;
  /** Seconds; CodeDeploy's default when absent is 3600. */
  timeout?: number;
}

/**
 * The first script of each event in an appspec.yml
 * (https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html).
 */
export function hookEntries(appspecText: string): Map<string, HookEntry> {
  const doc = parse(appspecText) as { hooks?: Record<string, { location?: unknown; timeout?: unknown }[] | null> } | null;
  const entries = new Map<string, HookEntry>();
  for (const [event, scripts] of Object.entries(doc?.hooks ?? {})) {
    const first = scripts?.[0];
    if (typeof first?.location !== "string") continue;
    entries.set(event, { location: first.location, timeout: typeof first.timeout === "number" ? first.timeout : undefined });
  }
  return entries;
}

/** The script location of each hook. */
export function hookLocations(appspecText: string): Map<string, string> {
  return new Map([...hookEntries(appspecText)].map(([event, entry]) => [event, entry.location]));
}

/** Problems that would make CodeDeploy fail the revision: missing events, missing or non-executable scripts. */
export function appspecProblems(bundleDir: string, appspecText: string): string[] {
  const locations = hookLocations(appspecText);
  const problems: string[] = [];
  for (const event of LIFECYCLE_EVENTS) {
    const location = locations.get(event);
    if (!location) {
      problems.push(`appspec.yml has no script for ${event}`);
      continue;
    }
    const file = join(bundleDir, location);
    try {
      if (!statSync(file).isFile()) throw new Error("not a file");
      accessSync(file, constants.X_OK);
    } catch {
      problems.push(`${event} points at ${location}, which is not an executable file in the bundle`);
    }
  }
  return problems;
}

/**
 * Hooks whose appspec timeout cannot hold what the drain budget lets them wait: CodeDeploy would
 * kill the hook (SIGTERM) in the middle of a legitimate drain. One line each.
 */
export function budgetProblems(appspecText: string, budget: Budget): string[] {
  const entries = hookEntries(appspecText);
  const problems: string[] = [];
  for (const [event, needed] of Object.entries(budget.hookSeconds)) {
    const timeout = entries.get(event)?.timeout ?? MAX_HOOK_TIMEOUT_SECONDS;
    if (needed > MAX_HOOK_TIMEOUT_SECONDS) {
      problems.push(`runtime/runtime.json: ${event} would need ${needed} s, above CodeDeploy's ${MAX_HOOK_TIMEOUT_SECONDS} s hook limit; lower drainSeconds (${budget.settings.drainSeconds}) or the other waits`);
    } else if (timeout < needed) {
      problems.push(`appspec.yml: ${event} timeout ${timeout} s cannot fit the drain budget (drainSeconds ${budget.settings.drainSeconds} needs ${needed} s); raise it to at least ${needed} or lower drainSeconds in runtime/runtime.json`);
    }
  }
  return problems;
}
