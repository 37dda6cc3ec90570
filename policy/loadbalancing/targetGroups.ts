/**
 * Target group settings that decide whether a color switch drops requests: the deregistration
 * delay (how long in-flight requests get on a target leaving the group) and the health check
 * (how fast and how surely a broken target is taken out).
 */
import { asNumber, resourcePolicy, sameText } from "../lib/spec";
import { TYPES } from "../lib/types";

/** AWS's value when `deregistrationDelay` is unset. */
export const DEFAULT_DEREGISTRATION_DELAY = 300;

export function deregistrationDelay(props: Record<string, any>): number | undefined {
    return "deregistrationDelay" in props ? asNumber(props.deregistrationDelay) : DEFAULT_DEREGISTRATION_DELAY;
}

const NON_HTTP_PROTOCOLS = ["tcp", "tls", "udp", "tcp_udp", "geneve"];

/** A target group's health check with AWS's defaults filled in, so unset and explicit compare alike. */
export function effectiveHealthCheck(props: Record<string, any>) {
    const hc: Record<string, any> = props.healthCheck ?? {};
    const tgProtocol = String(props.protocol ?? "HTTP").toLowerCase();
    const protocol = String(hc.protocol ?? (NON_HTTP_PROTOCOLS.includes(tgProtocol) ? "TCP" : "HTTP")).toUpperCase();
    const http = protocol === "HTTP" || protocol === "HTTPS";
    return {
        enabled: hc.enabled !== false,
        protocol,
        port: String(hc.port ?? "traffic-port"),
        path: http ? String(hc.path ?? "/") : undefined,
        matcher: http ? (hc.matcher as string | undefined) : undefined,
        interval: asNumber(hc.interval) ?? 30,
        timeout: asNumber(hc.timeout) ?? (http ? 5 : 10),
        healthyThreshold: asNumber(hc.healthyThreshold) ?? (http ? 5 : 3),
        unhealthyThreshold: asNumber(hc.unhealthyThreshold) ?? (http ? 2 : 3),
    };
}

/** Lambda targets have no connections to drain and no health-check timing to tune. */
const isLambda = (props: Record<string, any>) => sameText(props.targetType, "lambda");

interface DelayConfig {
    minimumSeconds: number;
}

export const deregistrationDelayPolicy = resourcePolicy<DelayConfig>(
    {
        name: "lb-deregistration-delay",
        description: "Target groups must give in-flight requests at least the configured deregistration delay when a target leaves (unset means AWS's 300 s).",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps: "Set `deregistrationDelay` to at least the configured minimum (default 300 s) or leave it unset.",
        configSchema: {
            properties: {
                minimumSeconds: { type: "integer", minimum: 0, maximum: 3600, description: "Smallest accepted deregistration delay in seconds.", default: 300 },
            },
        },
    },
    TYPES.targetGroup,
    (props, _args, config, report) => {
        if (isLambda(props)) return;
        const delay = deregistrationDelay(props);
        if (delay === undefined) report(`deregistrationDelay "${props.deregistrationDelay}" is not a number.`);
        else if (delay < config.minimumSeconds) report(`deregistrationDelay is ${delay} s; the minimum is ${config.minimumSeconds} s.`);
    },
);

interface HealthCheckConfig {
    forbiddenPaths: string[];
    minimumThreshold: number;
    maximumThreshold: number;
}

export const healthCheckPolicy = resourcePolicy<HealthCheckConfig>(
    {
        name: "lb-health-check",
        description:
            "Target groups must have an enabled health check on an explicit path (not the default `/`) with an explicit matcher, an interval longer than the timeout and thresholds within the configured range.",
        severity: "high",
        enforcementLevel: "mandatory",
        remediationSteps:
            "Set `healthCheck: { enabled: true, path: \"/health/deep\", matcher: \"200\", interval: 10, timeout: 5, healthyThreshold: 2, unhealthyThreshold: 2 }` (a path that exercises the app, not `/`).",
        configSchema: {
            properties: {
                forbiddenPaths: { type: "array", items: { type: "string" }, description: "Health-check paths that prove nothing about the app.", default: ["/"] },
                minimumThreshold: { type: "integer", minimum: 2, maximum: 10, description: "Smallest accepted healthy/unhealthy threshold.", default: 2 },
                maximumThreshold: { type: "integer", minimum: 2, maximum: 10, description: "Largest accepted healthy/unhealthy threshold.", default: 10 },
            },
        },
    },
    TYPES.targetGroup,
    (props, _args, config, report) => {
        if (isLambda(props)) return;
        const hc = effectiveHealthCheck(props);
        if (!hc.enabled) {
            report("the health check is disabled (healthCheck.enabled = false).");
            return;
        }
        if (hc.path !== undefined && config.forbiddenPaths.includes(hc.path)) {
            report(`the health check uses path "${hc.path}"${props.healthCheck?.path === undefined ? " (AWS's default)" : ""}; check a path that exercises the app.`);
        }
        if (hc.path !== undefined && hc.matcher === undefined) report("the health check has no explicit matcher (healthCheck.matcher).");
        if (hc.interval <= hc.timeout) report(`the health-check interval (${hc.interval} s) must be greater than its timeout (${hc.timeout} s).`);
        for (const key of ["healthyThreshold", "unhealthyThreshold"] as const) {
            if (hc[key] < config.minimumThreshold || hc[key] > config.maximumThreshold) {
                report(`healthCheck.${key} is ${hc[key]}; it must be between ${config.minimumThreshold} and ${config.maximumThreshold}.`);
            }
        }
    },
);
