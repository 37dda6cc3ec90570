/**
 * Capacity follows traffic (DESIGN decision 10). Before weight moves to a color, that color has
 * at least the live color's in-service capacity, healthy in its target group (and, for a switch,
 * proven on the verified revision). While a release is in flight both colors are *held*: their
 * MinSize is raised so target tracking cannot scale them in, and a scheduled action returns
 * MinSize to the configured value at the hold's latest end even if no tool runs again. `switch`
 * releases the color that took the traffic as soon as it is done; `watch` releases the color that
 * lost it when the watch ends clean; `rollback` releases both.
 *
 * Why a held MinSize rather than suspending scale-in (SuspendProcesses): a suspended process has
 * no end time of its own, so a job that dies would leave the group unable to scale in (or, with
 * Terminate suspended, to replace unhealthy instances) until someone notices; a MinSize can be
 * put back at a set time by PutScheduledUpdateGroupAction, and target tracking keeps scaling the
 * held group out if its load grows.
 */
import type { DeploymentInfo } from "@aws-sdk/client-codedeploy";
import { otherColor, type Color } from "./colors";
import type { ReleaseContext } from "./context";
import { checkFailed, refused } from "./errors";
import { cancelHoldEnd, describeFleets, holdEndTime, resizeFleet, scheduleHoldEnd, type Fleet } from "./aws/auto-scaling";
import { getDeployment, groupDeployments, sameS3Location } from "./aws/deployments";
import { targetHealth, type ColorHealth } from "./aws/target-health";
import { InstanceProof } from "./instance-proof";

/**
 * The latest a hold lasts unless `switch --hold` says otherwise. The hold normally ends earlier,
 * when `watch` ends clean or a rollback is done; this bounds it if no tool runs again.
 */
export const DEFAULT_HOLD_SECONDS = 3600;

/** Capacity waits poll this often, with a progress line per poll. */
export const CAPACITY_POLL_SECONDS = 15;

export interface CapacityOptions {
  /** The latest a hold lasts: its scheduled action returns the group's MinSize then. */
  holdSeconds: number;
  /** How long to wait for the capacity before giving up (no traffic moved). */
  timeoutSeconds: number;
}

const holdEnd = (ctx: ReleaseContext, options: CapacityOptions) => new Date(ctx.clock.now() + options.holdSeconds * 1000);

/** A group is held while its MinSize (or MaxSize) is not what the infra program configured. */
export const isHeld = (fleet: Pick<Fleet, "min" | "max" | "configured">) => fleet.min !== fleet.configured.min || fleet.max > fleet.configured.max;

/**
 * Holds `fleet` at no fewer than `size` instances (MinSize, desired capacity and, if need be,
 * MaxSize), and schedules the hold's end at `until` (again, on a resumed switch: the later end).
 */
async function hold(ctx: ReleaseContext, fleet: Fleet, size: number, until: Date) {
  const sizes = { MinSize: Math.max(fleet.min, size), DesiredCapacity: Math.max(fleet.desired, size), MaxSize: Math.max(fleet.max, size) };
  if (sizes.MinSize !== fleet.min || sizes.DesiredCapacity !== fleet.desired || sizes.MaxSize !== fleet.max) await resizeFleet(ctx, fleet, sizes);
  if (isHeld({ min: sizes.MinSize, max: sizes.MaxSize, configured: fleet.configured })) {
    await scheduleHoldEnd(ctx, fleet, until, sizes.MaxSize > fleet.configured.max);
  }
}

/** Ends `fleet`'s hold now: MinSize back to the configured value, the hold-end action cancelled. */
async function releaseHold(ctx: ReleaseContext, fleet: Fleet) {
  if (!isHeld(fleet)) return;
  // Never below the group's current size: the color may be live, and target tracking shrinks it
  // from here as its load allows.
  const max = Math.max(fleet.configured.max, fleet.desired);
  await resizeFleet(ctx, fleet, { MinSize: fleet.configured.min, ...(fleet.max !== max && { MaxSize: max }) });
  if (await holdEndTime(ctx, fleet)) await cancelHoldEnd(ctx, fleet);
  ctx.log(`${fleet.color} returns to its configured minimum of ${fleet.configured.min} (held at ${fleet.min})`);
}

/**
 * Releases the holds on `colors`. A failure here does not undo the release it follows: it is
 * reported, and the hold-end actions still return the groups at their time.
 */
export async function releaseHolds(ctx: ReleaseContext, colors: readonly Color[]): Promise<void> {
  try {
    const fleets = await describeFleets(ctx, colors);
    for (const color of colors) await releaseHold(ctx, fleets[color]);
  } catch (error) {
    const e = error as Error;
    ctx.log(`warning: could not return ${colors.join(" and ")} to the configured minimum now (${e.name}: ${e.message}); the hold-end action does at its time`);
  }
}

/** Instances of `color` that are InService in the group and healthy in its target group. */
const readyInstances = (fleet: Fleet, health: ColorHealth) => {
  const healthy = new Set(health.targets.filter((t) => t.state === "healthy").map((t) => t.instanceId));
  return fleet.inService.filter((id) => healthy.has(id));
};

/**
 * Polls until `size` instances of `color` are ready (InService, healthy, and accepted by `prove`
 * if given), printing a progress line per poll; a check failure (exit 1) after `timeoutSeconds`.
 */
async function waitForReady(
  ctx: ReleaseContext,
  color: Color,
  size: number,
  timeoutSeconds: number,
  prove?: (ids: string[]) => Promise<string[]>,
): Promise<void> {
  const started = ctx.clock.now();
  for (;;) {
    const fleet = (await describeFleets(ctx, [color]))[color];
    const health = await targetHealth(ctx, color);
    const ready = readyInstances(fleet, health);
    const proven = prove ? await prove(ready) : ready;
    const elapsed = Math.round((ctx.clock.now() - started) / 1000);
    ctx.log(
      `${color} capacity: ${proven.length}/${size} ready (in service ${fleet.inService.length}, launching ${fleet.launching}; ` +
        `targets ${health.summary}${prove ? `; proven on the revision ${proven.length}` : ""}) (${elapsed}s)`,
    );
    if (proven.length >= size) return;
    if (elapsed >= timeoutSeconds) {
      throw checkFailed(
        `${color} has ${proven.length} of the ${size} instances ready after ${timeoutSeconds}s (InService, healthy` +
          `${prove ? ", proven on the revision" : ""}); no traffic moved. \`npm run release -- status\` shows the fleet; ` +
          "see the runbook on capacity",
      );
    }
    await ctx.clock.sleep(CAPACITY_POLL_SECONDS * 1000);
  }
}

/**
 * The switch's capacity handoff from `from` (live) to `to`: holds `from` at its in-service
 * capacity, raises `to` to at least that many (desired, min, and max to match) and waits until
 * that many `to` instances are InService, healthy and proven on the verified revision (the
 * `verified` deployment, or CodeDeploy's automatic deployments of the same object to launched
 * instances). Returns how many healthy targets `to` must keep while it takes traffic, and how
 * `from` is held.
 */
export async function handOffCapacity(
  ctx: ReleaseContext,
  from: Color,
  to: Color,
  verified: DeploymentInfo,
  options: CapacityOptions,
): Promise<{ required: number; held: { color: Color; size: number; until: Date } }> {
  const fleets = await describeFleets(ctx, [from, to]);
  const size = Math.max(fleets[from].inService.length, fleets[to].configured.min, 1);
  const until = holdEnd(ctx, options);
  await hold(ctx, fleets[from], fleets[from].inService.length, until);
  if (fleets[to].inService.length < size) {
    ctx.log(`${to} has ${fleets[to].inService.length} instances in service, ${from} ${fleets[from].inService.length}: raising ${to} to ${size} before any traffic moves`);
  }
  await hold(ctx, fleets[to], size, until);

  const proof = new InstanceProof(ctx, to);
  await waitForReady(ctx, to, size, options.timeoutSeconds, async (ids) => {
    const { lastAttempted } = await groupDeployments(ctx, to);
    const latest = lastAttempted?.deploymentId === verified.deploymentId ? verified : await getDeployment(ctx, lastAttempted!.deploymentId!);
    if (latest !== verified && !sameS3Location(latest, verified)) {
      throw refused(`${to} was deployed again (${latest.deploymentId}, by ${latest.creator ?? "?"}) while its capacity was being raised; verify it again`);
    }
    const { provenBy } = await proof.prove(latest, ids);
    return ids.filter((id) => provenBy.has(id));
  });
  return { required: size, held: { color: from, size: fleets[from].inService.length, until } };
}

/**
 * Before a rollback moves traffic to `to`: `to` needs as many ready instances (InService,
 * healthy in `health`) as the color losing the traffic has in service. If it has fewer it is raised first,
 * and the rollback waits for it, unless `force` (then traffic moves at once, the raise goes on).
 */
export async function ensureRollbackCapacity(
  ctx: ReleaseContext,
  to: Color,
  health: ColorHealth,
  options: CapacityOptions & { force: boolean },
): Promise<void> {
  const from = otherColor(to);
  const fleets = await describeFleets(ctx, [from, to]);
  const size = Math.max(fleets[from].inService.length, fleets[to].configured.min, 1);
  const ready = readyInstances(fleets[to], health).length;
  if (ready >= size) return;
  ctx.log(`${to} has ${ready} of the ${size} instances ${from} has in service: scaling ${to} to ${size} before moving traffic`);
  await hold(ctx, fleets[to], size, holdEnd(ctx, options));
  if (options.force) {
    ctx.log(`--force: moving traffic now; ${to} keeps launching in the background`);
    return;
  }
  await waitForReady(ctx, to, size, options.timeoutSeconds);
}
