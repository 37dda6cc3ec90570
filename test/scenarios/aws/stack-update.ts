/**
 * A later `pulumi up` of the stack: the program run again with new config (infra/simulate.ts, with
 * the stack as AWS holds it and the production weights as the release tool left them, which is
 * what the live-color guard reads), and what that update changes in the world.
 *
 * - What AWS holds afterwards: each resource's declared inputs, except the properties its
 *   `ignoreChanges` names, which keep the value of the earlier state; a property with no earlier
 *   value takes the program's (pulumi.com/docs/iac/concepts/options/ignorechanges/). A held
 *   launch template (bluegreen:holdLaunchTemplate) thus stays exactly as it was.
 * - A launch template whose held inputs changed gets a new version, made the default
 *   (`updateDefaultVersion`); the Auto Scaling group pinned to the template's latest version is
 *   pointed at it, and with `instanceRefresh` set the provider starts an instance refresh of that
 *   group when its `launchTemplate` changes, and does not wait for it (pulumi-aws registry,
 *   autoscaling.Group `instanceRefresh`; autoscaling/ec2/userguide/asg-instance-refresh.html:
 *   the refresh itself is test/scenarios/aws/autoscaling.ts). Under mocks the group's declared version
 *   is always the template's first, so the model derives the group's change from its template's.
 * - Any other change is one the model does not apply: it fails the story rather than let the
 *   world drift from the program.
 */
import { isDeepStrictEqual } from "node:util";
import type { SimulatedResource, SimulatedStack } from "../../../infra/simulate";
import type { World } from "./world";

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** The resource as AWS holds it after the update: declared inputs, ignored properties as before. */
function held(previous: SimulatedResource, next: SimulatedResource): SimulatedResource {
  const inputs = { ...next.inputs };
  for (const path of next.ignoreChanges) {
    if (/[.[]/.test(path)) throw new Error(`the model applies ignoreChanges to top-level properties only, not ${path} of ${next.name}`);
    if (path in previous.inputs) inputs[path] = previous.inputs[path];
  }
  return { ...next, inputs };
}

/**
 * Applies `next` (the program's new run) onto the world that `previous` describes; returns the
 * stack as AWS now holds it (the `previous` of the next update).
 */
export function applyStackUpdate(world: World, previous: SimulatedStack, next: SimulatedStack): SimulatedStack {
  const before = new Map(previous.resources.map((r) => [r.urn, r]));
  const unapplied: string[] = [];
  for (const urn of before.keys()) if (!next.resources.some((r) => r.urn === urn)) unapplied.push(`deletes ${urn}`);
  const resources = next.resources.map((resource) => {
    const old = before.get(resource.urn);
    if (!old) {
      unapplied.push(`creates ${resource.urn}`);
      return resource;
    }
    const now = held(old, resource);
    const changed = Object.keys({ ...old.inputs, ...now.inputs }).filter((key) => !isDeepStrictEqual(old.inputs[key], now.inputs[key]));
    if (!changed.length) return now;
    if (resource.type !== LAUNCH_TEMPLATE) unapplied.push(`changes ${changed.join(", ")} of ${resource.urn}`);
    else newTemplateVersion(world, String(resource.outputs.id));
    return now;
  });
  if (unapplied.length) throw new Error(`the scenario model does not apply this update: it ${unapplied.join("; ")}`);
  return { ...next, resources };
}

/** The template's next version, and the instance refresh of each group pinned to its latest. */
function newTemplateVersion(world: World, templateId: string) {
  for (const group of world.autoscaling.groups.values()) {
    if (group.launchTemplate.id !== templateId) continue;
    world.autoscaling.changeLaunchTemplateVersion(group.name, String(Number(group.launchTemplate.version) + 1));
  }
}
