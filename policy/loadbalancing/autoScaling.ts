/**
 * An Auto Scaling group behind a target group must replace instances the load balancer finds
 * unhealthy (ELB health checks), and must give new instances time to boot before judging them.
 * A stack policy, because the attachment may be a separate resource.
 */
import type { PolicyResource } from "@pulumi/policy";
import { label, ofTypes, referencedBy } from "../lib/stack";
import { asNumber, sameText, stackPolicy } from "../lib/spec";
import { TYPES } from "../lib/types";

/** The provider's value when `healthCheckGracePeriod` is unset. */
const DEFAULT_GRACE_PERIOD = 300;

interface AsgConfig {
    minimumGracePeriodSeconds: number;
}

/** Attached through its own inputs: target groups, classic load balancers or a load-balancer traffic source. */
function attachedInline(asg: PolicyResource): boolean {
    for (const prop of ["targetGroupArns", "loadBalancers"]) {
        if ((asg.propertyDependencies[prop] ?? []).length > 0) return true;
        const values = asg.props[prop];
        if (Array.isArray(values) && values.length > 0) return true;
    }
    const sources = asg.props.trafficSources;
    return Array.isArray(sources) && sources.some((s: Record<string, unknown>) => !s.type || /elb/i.test(String(s.type)));
}

export const asgElbHealthCheck = stackPolicy<AsgConfig>(
    {
        name: "asg-elb-health-check",
        description: "Auto Scaling groups attached to target groups must use ELB health checks and a health-check grace period.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps: "Set `healthCheckType: \"ELB\"` and `healthCheckGracePeriod` to the instance boot time (at least the configured minimum, default 60 s).",
        configSchema: {
            properties: {
                minimumGracePeriodSeconds: { type: "integer", minimum: 1, description: "Smallest accepted healthCheckGracePeriod in seconds.", default: 60 },
            },
        },
    },
    ({ resources }, config, report) => {
        const groups = ofTypes(resources, TYPES.autoScalingGroup);
        const viaAttachment = new Set(
            ofTypes(resources, TYPES.autoScalingAttachment).flatMap((a) => referencedBy(a, "autoscalingGroupName", groups, ["name"]).map((g) => g.urn)),
        );
        for (const asg of groups) {
            if (!viaAttachment.has(asg.urn) && !attachedInline(asg)) continue;
            const type = asg.props.healthCheckType ?? "EC2";
            if (!sameText(type, "ELB")) {
                report(`${label(asg)} is attached to a target group but uses ${type} health checks; set healthCheckType to "ELB".`, asg.urn);
            }
            const grace = asNumber(asg.props.healthCheckGracePeriod) ?? DEFAULT_GRACE_PERIOD;
            if (grace < config.minimumGracePeriodSeconds) {
                report(`${label(asg)} has a health-check grace period of ${grace} s; the minimum is ${config.minimumGracePeriodSeconds} s.`, asg.urn);
            }
        }
    },
);
