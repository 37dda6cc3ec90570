/**
 * `pulumi up` never refreshes the live color unannounced (DESIGN.md decision 12).
 *
 * Pulumi's state cannot say which color is live: the listener's actions belong to the release tool
 * and are ignored after creation. AWS can. Once the production listener exists, its ARN is known
 * during `pulumi preview` (which `pulumi up` runs first), so this reads the listener's weights and
 * each live color's launch template as AWS holds them, and fails the run when it would give a
 * color that carries production traffic a new template version (and so an instance refresh),
 * unless that color's template is held. On a new stack nothing is live yet and nothing is read.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { type ColorTemplate, TEMPLATE_FINGERPRINT_TAG } from "./compute";
import { CONFIG_NAMESPACE } from "./config";
import { COLORS, type Color } from "./naming";

export interface LiveColorGuardArgs {
    productionListenerArn: pulumi.Input<string>;
    targetGroupArns: Record<Color, pulumi.Input<string>>;
    templates: Record<Color, ColorTemplate>;
    heldColor?: Color;
}

type ListenerAction = aws.lb.GetListenerResult["defaultActions"][number];

/** Production weight per target group ARN, from a listener read back as `aws.lb.getListener` returns it. */
export function weightsByTargetGroup(actions: ListenerAction[]): Map<string, number> {
    const weights = new Map<string, number>();
    for (const action of actions.filter((a) => a.type === "forward")) {
        // A forward to one group may come back as targetGroupArn alone (it then gets all traffic).
        if (action.targetGroupArn) weights.set(action.targetGroupArn, 100);
        for (const group of action.forwards?.flatMap((f) => f.targetGroups) ?? []) weights.set(group.arn, group.weight);
    }
    return weights;
}

/**
 * Rejects, naming the color, when a live color's template changes. The caller registers it as a
 * component output, so the rejection fails the program with nothing else waiting on it. It has to
 * stop a `pulumi preview`, which `pulumi up` runs first: in the update itself the template is read
 * back after it changed.
 */
export function guardLiveColor(args: LiveColorGuardArgs, parent: pulumi.Resource): pulumi.Output<string> {
    const listener = aws.lb.getListenerOutput({ arn: args.productionListenerArn }, { parent });
    const checks = COLORS.filter((color) => color !== args.heldColor).map((color) => {
        const live = aws.ec2.getLaunchTemplateOutput({ id: args.templates[color].template.id }, { parent });
        return pulumi
            .all([listener.defaultActions, args.targetGroupArns[color], live.tags, args.templates[color].fingerprint])
            .apply(([actions, targetGroupArn, liveTags, declared]) => {
                const weight = weightsByTargetGroup(actions).get(targetGroupArn) ?? 0;
                if (weight > 0 && liveTags[TEMPLATE_FINGERPRINT_TAG] !== declared) {
                    throw new pulumi.ResourceError(
                        `${color} carries production traffic (weight ${weight} on the production listener) and this update changes its launch template, ` +
                            `which would replace its instances by an instance refresh. Hold it (${CONFIG_NAMESPACE}:holdLaunchTemplate: ${color}) and roll the change ` +
                            `out to the idle color first: docs/runbook.md "OS image update".`,
                        parent,
                        true,
                    );
                }
            });
    });
    return pulumi.all(checks).apply(() => "passed");
}
