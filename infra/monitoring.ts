/** Log groups the instances ship to, and the alarms that roll a release back. */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { StackConfig } from "./config";
import { COLORS, type Color, perColor, stackPrefix, stackTags } from "./naming";

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
 * Alarms have two jobs (DESIGN.md decision 11).
 *
 * Deployment alarms judge a deployment: per color, the rate of 5xx answers from that color's
 * targets. They are attached to the color's CodeDeploy deployment group, and CodeDeploy refuses
 * every deployment to the group while one is in ALARM, its automatic deployments to instances
 * the Auto Scaling group launches included (codedeploy/latest/userguide/monitoring-create-alarms.html;
 * integrations-aws-auto-scaling.html). So they must be OK on a fleet that has no app yet, or is
 * being scaled out under load. The 5xx rate is: ELB publishes RequestCount and the target 5xx count
 * only for requests that flow (elasticloadbalancing/latest/application/load-balancer-cloudwatch-metrics.html),
 * and health checks are not requests, so a color without traffic, app or not, has no datapoints,
 * which `notBreaching` reads as OK. Load makes a fleet slow before it makes it fail; the minutes in
 * which it is slower than the p99 bound do not count (see the expression below).
 *
 * Fleet-state alarms (a target failing its health check, p99 latency, the ALB's own 5xx) describe
 * the fleet, not a deployment: unhealthy hosts is in ALARM on any color without the app, and load
 * raises latency. Attached to a deployment group they would refuse the first release and the
 * scale-out meant to relieve the load. They guard traffic moves instead: the release tool's
 * `switch` and `watch` check every alarm in ROLLBACK_ALARM_NAMES (a `-blue-`/`-green-` segment
 * names the color an alarm belongs to; release/aws/alarms.ts).
 */
export class RollbackAlarms extends pulumi.ComponentResource {
    /** The alarms each color's deployment group carries. */
    readonly deploymentAlarms: Record<Color, aws.cloudwatch.MetricAlarm[]>;
    readonly loadBalancer5xx: aws.cloudwatch.MetricAlarm;
    /** Everything the release tool checks before and while it moves traffic. */
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

        const dimensions = (color: Color) => ({ LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffixes[color] });
        const metric = (color: Color, metricName: string, stat: string) => ({
            metric: { namespace: "AWS/ApplicationELB", metricName, dimensions: dimensions(color), period: 60, stat },
        });
        this.deploymentAlarms = perColor((color) => [
            alarm(
                `${color}-target-5xx-rate`,
                `${color}: more than ${cfg.alarms.target5xxPercent}% of requests answered 5xx by the targets while they answer within ${cfg.alarms.p99LatencySeconds}s (p99)`,
                {
                    comparisonOperator: "GreaterThanThreshold",
                    threshold: cfg.alarms.target5xxPercent,
                    metricQueries: [
                        { id: "errors", ...metric(color, "HTTPCode_Target_5XX_Count", "Sum"), returnData: false },
                        { id: "requests", ...metric(color, "RequestCount", "Sum"), returnData: false },
                        { id: "latency", ...metric(color, "TargetResponseTime", "p99"), returnData: false },
                        // No requests, no datapoint: missing data, notBreaching. A minute whose p99 is
                        // over the latency bound counts as 0: an overloaded fleet's timeouts (nginx
                        // answers 504 after proxy_read_timeout) are load, which the p99 alarm reports
                        // and a scale-out fixes, so they must not refuse the scale-out's deployments.
                        // IF over time series: AmazonCloudWatch/latest/monitoring/using-metric-math.html.
                        {
                            id: "rate",
                            expression: `IF(latency > ${cfg.alarms.p99LatencySeconds}, 0, 100 * FILL(errors, 0) / requests)`,
                            label: "target 5xx % (fast answers)",
                            returnData: true,
                        },
                    ],
                },
            ),
        ]);
        const fleetStateAlarms = perColor((color) => [
            alarm(`${color}-unhealthy-hosts`, `${color}: at least one target failing the /health/deep check`, {
                ...singleMetric,
                metricName: "UnHealthyHostCount",
                statistic: "Maximum",
                dimensions: dimensions(color),
                comparisonOperator: "GreaterThanOrEqualToThreshold",
                threshold: 1,
            }),
            alarm(`${color}-p99-latency`, `${color}: p99 target response time above ${cfg.alarms.p99LatencySeconds}s`, {
                ...singleMetric,
                metricName: "TargetResponseTime",
                extendedStatistic: "p99",
                dimensions: dimensions(color),
                comparisonOperator: "GreaterThanThreshold",
                threshold: cfg.alarms.p99LatencySeconds,
            }),
        ]);
        this.loadBalancer5xx = alarm("alb-5xx", "the ALB itself answered 5xx (no healthy target, or targets unreachable)", {
            ...singleMetric,
            metricName: "HTTPCode_ELB_5XX_Count",
            statistic: "Sum",
            dimensions: { LoadBalancer: args.loadBalancerArnSuffix },
            comparisonOperator: "GreaterThanThreshold",
            threshold: 5,
        });
        this.all = [...COLORS.flatMap((c) => [...this.deploymentAlarms[c], ...fleetStateAlarms[c]]), this.loadBalancer5xx];
        this.registerOutputs({});
    }
}
