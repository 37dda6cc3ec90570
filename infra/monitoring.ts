/** Log groups the instances ship to, and the alarms that roll a release back. */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config";
import { COLORS, type Color, stackPrefix, stackTags } from "./naming";

export class LogGroups extends pulumi.ComponentResource {
    readonly app: aws.cloudwatch.LogGroup;
    readonly nginx: aws.cloudwatch.LogGroup;

    constructor(name: string, cfg: StackConfig, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:monitoring:LogGroups", name, {}, opts);
        const make = (kind: string) =>
            new aws.cloudwatch.LogGroup(
                `${name}-${kind}`,
                { name: `/${cfg.project}/${cfg.stack}/${kind}`, retentionInDays: cfg.logRetentionDays, tags: stackTags(cfg) },
                { parent: this },
            );
        this.app = make("app");
        this.nginx = make("nginx");
        this.registerOutputs({});
    }
}

export interface RollbackAlarmsArgs {
    loadBalancerArnSuffix: pulumi.Input<string>;
    targetGroupArnSuffixes: Record<Color, pulumi.Input<string>>;
}

/**
 * Per color: target 5xx rate, unhealthy hosts and p99 response time, each on that color's target
 * group, so a deployment group rolls back on its own color's alarms only. Plus the ALB's own 5xx
 * (no healthy target at all), which the release tool watches while it shifts traffic.
 */
export class RollbackAlarms extends pulumi.ComponentResource {
    readonly byColor: Record<Color, aws.cloudwatch.MetricAlarm[]>;
    readonly loadBalancer5xx: aws.cloudwatch.MetricAlarm;
    readonly all: aws.cloudwatch.MetricAlarm[];

    constructor(name: string, cfg: StackConfig, args: RollbackAlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("bluegreen:monitoring:RollbackAlarms", name, {}, opts);
        const prefix = stackPrefix(cfg);
        const tags = stackTags(cfg);
        const common = {
            evaluationPeriods: 3,
            datapointsToAlarm: 2,
            // An idle color gets no requests: no data is healthy, not alarming.
            treatMissingData: "notBreaching",
            tags,
        };
        const singleMetric = { namespace: "AWS/ApplicationELB", period: 60 };
        const alarm = (id: string, description: string, args: Partial<aws.cloudwatch.MetricAlarmArgs>) =>
            new aws.cloudwatch.MetricAlarm(`${name}-${id}`, { name: `${prefix}-${id}`, alarmDescription: description, ...common, ...args } as aws.cloudwatch.MetricAlarmArgs,
                { parent: this },
            );

        this.byColor = {} as Record<Color, aws.cloudwatch.MetricAlarm[]>;
        for (const color of COLORS) {
            const dimensions = { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffixes[color] };
            const metric = (metricName: string, stat: string) => ({ metric: { namespace: "AWS/ApplicationELB", metricName, dimensions, period: 60, stat } });
            this.byColor[color] = [
                alarm(`${color}-target-5xx-rate`, `${color}: more than ${cfg.alarms.target5xxPercent}% of requests answered 5xx by the targets`, {
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: cfg.alarms.target5xxPercent,
                    metricQueries: [
                        { id: "errors", ...metric("HTTPCode_Target_5XX_Count", "Sum"), returnData: false },
                        { id: "requests", ...metric("RequestCount", "Sum"), returnData: false },
                        { id: "rate", expression: "100 * FILL(errors, 0) / requests", label: "target 5xx %", returnData: true },
                    ],
                }),
                alarm(`${color}-unhealthy-hosts`, `${color}: at least one target failing the /health/deep check`, {
                    ...singleMetric,
                    metricName: "UnHealthyHostCount",
                    statistic: "Maximum",
                    dimensions,
                    comparisonOperator: "GreaterThanOrEqualToThreshold",
                    threshold: 1,
                }),
                alarm(`${color}-p99-latency`, `${color}: p99 target response time above ${cfg.alarms.p99LatencySeconds}s`, {
                    ...singleMetric,
                    metricName: "TargetResponseTime",
                    extendedStatistic: "p99",
                    dimensions,
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: cfg.alarms.p99LatencySeconds,
                }),
            ];
        }
        this.loadBalancer5xx = alarm("alb-5xx", "the ALB itself answered 5xx (no healthy target, or targets unreachable)", {
            ...singleMetric,
            metricName: "HTTPCode_ELB_5XX_Count",
            statistic: "Sum",
            dimensions: { LoadBalancer: args.loadBalancerArnSuffix },
            comparisonOperator: "GreaterThanThreshold",
            threshold: 5,
        });
        this.all = [...COLORS.flatMap((c) => this.byColor[c]), this.loadBalancer5xx];
        this.registerOutputs({});
    }
}
