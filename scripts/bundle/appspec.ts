import { accessSync, constants, statSync } from "node:fs";
import { join } from "node:path";

/** The lifecycle events our appspec must wire, in the order CodeDeploy runs them. */
export const LIFECYCLE_EVENTS = ["ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"] as const;
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[number];

/**
 * The script location of each hook in an appspec.yml. Our appspec is a fixed, simple shape (one
 * script per event), so a line reader is enough and the bundle step needs no YAML dependency.
 */
export function hookLocations(appspecText: string): Map<string, string> {
  const locations = new Map<string, string>();
  let event: string | undefined;
  for (const line of appspecText.split("\n")) {
    const eventMatch = /^ {2}(\w+):\s*$/.exec(line);
    if (eventMatch) event = eventMatch[1];
    const locationMatch = /^\s+- location:\s*(\S+)\s*$/.exec(line);
    if (locationMatch && event) locations.set(event, locationMatch[1]);
  }
  return locations;
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
