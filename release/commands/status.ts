import { COLORS, formatWeights, soleColor, type Color } from "../colors";
import type { ReleaseContext } from "../context";
import { formatRevision, getDeployment, groupDeployments, revisionOf } from "../aws/deployments";
import { readBothListeners } from "../aws/listeners";
import { readReleaseTags } from "../aws/release-tags";
import { targetHealth } from "../aws/target-health";

/** Live and idle color, both listeners' weights, target health and last deployment per color. */
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
  for (const color of COLORS) log(await colorLine(ctx, color, tags.verification[color]));
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
