import type { DeploymentInfo } from "@aws-sdk/client-codedeploy";
import type { Color } from "./colors";
import type { ReleaseContext } from "./context";
import { deploymentTargetIds, groupDeploymentsSince, isActive, sameS3Location } from "./aws/deployments";

/** How many of the group's deployments a proof reads back through, at most. */
export const MAX_LOOKBACK = 50;
/** How far before the latest deployment a proof looks for earlier ones of the same object. */
export const LOOKBACK_DAYS = 14;

/**
 * Which instances run `latest`'s exact S3 object, by CodeDeploy's own account: an instance is
 * proven when it is a Succeeded target of `latest` or of an earlier deployment of the same object
 * (bucket, key, version and ETag), where the newest of those deployments that targeted it decides
 * (Succeeded proves it, any other status does not). Its ValidateService hook checked that every
 * process serves the bundle's version, so a Succeeded target is the per-instance proof.
 *
 * Earlier deployments count because each instance the Auto Scaling group launches gets its own
 * deployment of the group's last successful revision (creator "autoscaling",
 * codedeploy/latest/userguide/integrations-aws-auto-scaling.html), which becomes the latest. The
 * walk goes back by creation time (ListDeployments documents no order), at most MAX_LOOKBACK
 * deployments within LOOKBACK_DAYS, and stops at the first deployment of another object: an
 * instance it touched may no longer run ours.
 */
export class InstanceProof {
  /** Targets of deployments that have ended: they no longer change. */
  private readonly ended = new Map<string, { all: string[]; succeeded: Set<string> }>();

  constructor(
    private readonly ctx: ReleaseContext,
    private readonly color: Color,
  ) {}

  /** Proves `instanceIds` against `latest`; returns the proving deployment's label per proven instance, and what was used. */
  async prove(latest: DeploymentInfo, instanceIds: string[]): Promise<{ provenBy: Map<string, string>; used: string[] }> {
    const undecided = new Set(instanceIds);
    const provenBy = new Map<string, string>();
    const used: string[] = [];
    for await (const deployment of this.sameObjectNewestFirst(latest)) {
      const label = deployment === latest ? deployment.deploymentId! : `${deployment.deploymentId}${deployment.creator ? ` (${deployment.creator})` : ""}`;
      const { all, succeeded } = await this.targets(deployment);
      let proved = 0;
      for (const instanceId of all) {
        if (!undecided.delete(instanceId)) continue;
        if (succeeded.has(instanceId)) {
          provenBy.set(instanceId, label);
          proved++;
        }
      }
      if (proved) used.push(`${label} for ${proved}`);
      // Before the generator fetches anything more: usually the latest deployment proves them all.
      if (!undecided.size) break;
    }
    return { provenBy, used };
  }

  private async targets(deployment: DeploymentInfo) {
    const id = deployment.deploymentId!;
    const known = this.ended.get(id);
    if (known) return known;
    const targets = {
      all: await deploymentTargetIds(this.ctx, id),
      succeeded: new Set(await deploymentTargetIds(this.ctx, id, ["Succeeded"])),
    };
    if (!isActive(deployment.status)) this.ended.set(id, targets);
    return targets;
  }

  /** `latest`, then the group's earlier deployments of the same object, newest first, fetched only as far as the caller reads. */
  private async *sameObjectNewestFirst(latest: DeploymentInfo) {
    yield latest;
    const created = latest.createTime?.getTime();
    if (created === undefined) return;
    const window = await groupDeploymentsSince(this.ctx, this.color, new Date(created - LOOKBACK_DAYS * 86_400_000));
    const earlier = window.filter((d) => d.deploymentId !== latest.deploymentId && (d.createTime?.getTime() ?? Infinity) <= created);
    for (const deployment of earlier.slice(0, MAX_LOOKBACK - 1)) {
      if (!sameS3Location(deployment, latest)) return;
      yield deployment;
    }
  }
}
