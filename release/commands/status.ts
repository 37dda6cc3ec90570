import { COLORS, formatWeights, soleColor, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { ReleaseError } from "../errors";
import { describeFleets, holdEndTime, type Fleet } from "../aws/auto-scaling";
import { isHeld } from "../capacity";
import { formatRevision, getDeployment, groupDeployments, revisionOf } from "../aws/deployments";
import { readBothListeners } from "../aws/listeners";
import { readReleaseTags } from "../aws/release-tags";
import { targetHealth } from "../aws/target-health";

/** Live and idle color, both listeners' weights, and per color: target health, capacity (and any hold), last deployment, verification. */
export async function status(ctx: ReleaseContext): Promise<void> {
  const { production, test } = await readBothListeners(ctx);
  const tags = await readReleaseTags(ctx);
  const live = soleColor(production);
  const { log } = ctx;

  log(`stack:               ${ctx.outputs.codedeployApplication} in ${ctx.outputs.region} (${ctx.outputs.albDnsName})`);
  log(
    `production listener: ${formatWeights(production)}` +
      (live ? ` -> live ${live}, idle ${live === "blue" ? "green" : "blue"}` : " -> traffic split (switch or canary in progress)"),
  );
  log(`test listener:       ${formatWeights(test)} -> ${soleColor(test) ?? "split"} (${ctx.outputs.testListenerUrl})`);
  const rollbackNote = tags.rollbackColor === live ? " (live: nothing to roll back)" : "";
  log(`rollback color:      ${tags.rollbackColor ? `${tags.rollbackColor}${rollbackNote}` : "none recorded"}`);
  const fleets = await describeFleets(ctx, COLORS).catch((error: Error) => {
    // status is read-only: a group the release tool cannot use (not tagged yet) is reported, not fatal.
    if (error instanceof ReleaseError) return error;
    throw error;
  });
  for (const color of COLORS) {
    log(await colorLine(ctx, color, tags.verification[color]));
    log(`${"".padEnd(6)} capacity ${fleets instanceof ReleaseError ? `unknown: ${fleets.message}` : await capacityLine(ctx, fleets[color])}`);
  }
}

async function capacityLine(ctx: ReleaseContext, fleet: Fleet): Promise<string> {
  const held = isHeld(fleet);
  const until = held ? await holdEndTime(ctx, fleet) : undefined;
  return (
    `${fleet.inService.length} in service, ${fleet.launching} launching (desired ${fleet.desired}, min ${fleet.min}, max ${fleet.max}` +
    (held ? `; held for a release, configured min ${fleet.configured.min}${until ? `, returns at ${until.toISOString()}` : ""}` : "") +
    ")"
  );
}

async function colorLine(
  ctx: ReleaseContext,
  color: Color,
  verification: { version: string; deploymentId: string } | undefined,
): Promise<string> {
  const health = await targetHealth(ctx, color);
  const { lastAttempted } = await groupDeployments(ctx, color);
  let deployment = "no deployment yet";
  if (lastAttempted?.deploymentId) {
    const revision = revisionOf(await getDeployment(ctx, lastAttempted.deploymentId));
    deployment = `${lastAttempted.deploymentId} ${lastAttempted.status ?? "?"}${revision ? ` ${formatRevision(revision)}` : ""}`;
  }
  const verified = verification ? `verified ${verification.version} (${verification.deploymentId})` : "not verified";
  return `${color.padEnd(6)} targets ${health.summary}; last deployment ${deployment}; ${verified}`;
}
