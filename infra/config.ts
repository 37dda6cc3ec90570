/**
 * The stack's configuration: every `bluegreen:*` key read, typed and validated in one place,
 * before any resource is declared. A bad value fails the whole program with one message per
 * problem that names the key, the value and what is allowed.
 */
import * as pulumi from "@pulumi/pulumi";
import { COLORS, type Color } from "./naming";

export const CONFIG_NAMESPACE = "bluegreen";

export type NatGatewayMode = "single" | "onePerAz";

export interface ColorCapacity {
    min: number;
    max: number;
    desired: number;
}

export interface StackConfig {
    project: string;
    stack: string;
    region: string;
    vpcCidr: string;
    natGateways: NatGatewayMode;
    certificateArn?: string;
    /** The name the certificate covers and whose DNS points at the ALB; set with certificateArn. */
    publicHostname?: string;
    allowHttpWithoutCertificate: boolean;
    testListenerPort: number;
    testListenerCidrs: string[];
    instanceType: string;
    /** The reviewed AMI both colors' launch templates use (docs/runbook.md: OS image update). */
    amiId: string;
    /**
     * The color whose launch template `pulumi up` leaves exactly as AWS has it, so an instance
     * change (AMI, instance type, user data) reaches only the other color (DESIGN.md decision 12).
     */
    holdLaunchTemplate?: Color;
    rootVolumeGiB: number;
    capacity: ColorCapacity;
    cpuTargetPercent: number;
    healthCheckGracePeriodSeconds: number;
    deregistrationDelaySeconds: number;
    slowStartSeconds: number;
    healthCheck: {
        intervalSeconds: number;
        timeoutSeconds: number;
        healthyThreshold: number;
        unhealthyThreshold: number;
    };
    deletionProtection: boolean;
    gitlab: {
        url: string;
        audience: string;
        projectPath: string;
        protectedRef: string;
        oidcProviderArn?: string;
    };
    /**
     * Days a revision object stays after it stopped being the current version of its key (it was
     * overwritten or deleted). Current revisions never expire: DESIGN.md decision 13.
     */
    revisionRetentionDays: number;
    logRetentionDays: number;
    alarms: {
        target5xxPercent: number;
        p99LatencySeconds: number;
    };
}

/** Raw config as Pulumi hands it to a program: every value a string (structured values as JSON). */
export type RawConfig = Record<string, string>;

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(
            `invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
                problems.map((p) => `  - ${p}`).join("\n"),
        );
        this.name = "ConfigError";
    }
}

const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/;
const OIDC_PROVIDER_ARN = /^arn:aws[a-z-]*:iam::\d{12}:oidc-provider\/[A-Za-z0-9.-]+(\/[\w./-]*)?$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;
// GitLab project paths: group/subgroup/.../project, no wildcards.
const PROJECT_PATH = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/;
const GIT_REF = /^[A-Za-z0-9_./-]+$/;
const HOSTNAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
// The only retention periods CloudWatch Logs accepts.
const CLOUDWATCH_LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

export function isCidr(value: string): boolean {
    const m = CIDR.exec(value);
    if (!m) return false;
    const octets = m.slice(1, 5).map(Number);
    return octets.every((o) => o <= 255) && Number(m[5]) <= 32;
}

/**
 * Reads and validates the raw config. `stack` and `project` come from the Pulumi runtime;
 * `raw` holds fully qualified keys (`bluegreen:vpcCidr`, `aws:region`).
 */
export function parseStackConfig(project: string, stack: string, raw: RawConfig): StackConfig {
    const reader = new ConfigReader(raw);
    const region = reader.string("aws:region", { pattern: REGION, allowed: "an AWS region such as ap-northeast-2" });

    const certificateArn = reader.optionalString("certificateArn", { pattern: ACM_ARN, allowed: "an ACM certificate ARN" });
    const allowHttpWithoutCertificate = reader.boolean("allowHttpWithoutCertificate", stack !== "production");
    if (!certificateArn && !allowHttpWithoutCertificate) {
        reader.problem(
            "bluegreen:certificateArn",
            undefined,
            `an ACM certificate ARN (this stack serves production traffic; set bluegreen:allowHttpWithoutCertificate: "true" only to accept plain HTTP deliberately)`,
        );
    }

    // HTTPS clients (the release tool's verify among them) check the certificate against the host
    // they connect to; an ACM certificate never covers the ALB's own *.elb.amazonaws.com name.
    const publicHostname = reader.optionalString("publicHostname", { pattern: HOSTNAME, allowed: "a lower-case DNS name the certificate covers, e.g. app.example.com" });
    if (certificateArn && !publicHostname) {
        reader.problem("bluegreen:publicHostname", undefined, "the DNS name bluegreen:certificateArn covers and that points at the ALB (needed to reach the HTTPS listeners by a name the certificate matches)");
    }

    const interval = reader.integer("healthCheckInterval", 10, 5, 300);
    const timeout = reader.integer("healthCheckTimeout", 5, 2, 120);
    if (interval !== undefined && timeout !== undefined && interval <= timeout) {
        reader.problem("bluegreen:healthCheckInterval", String(interval), `a value greater than bluegreen:healthCheckTimeout (${timeout})`);
    }

    const min = reader.integer("minSize", 1, 0, 100);
    const max = reader.integer("maxSize", 2, 1, 100);
    const desired = reader.integer("desiredCapacity", min ?? 1, 0, 100);
    if (min !== undefined && max !== undefined && min > max) {
        reader.problem("bluegreen:minSize", String(min), `at most bluegreen:maxSize (${max})`);
    }
    if (desired !== undefined && min !== undefined && max !== undefined && (desired < min || desired > max)) {
        reader.problem("bluegreen:desiredCapacity", String(desired), `between bluegreen:minSize (${min}) and bluegreen:maxSize (${max})`);
    }

    const gitlabUrl = reader.string("gitlabUrl", { pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d+)?$/, allowed: "an https:// URL without a path, e.g. https://gitlab.com", fallback: "https://gitlab.com" });

    const config: StackConfig = {
        project,
        stack,
        region: region!,
        vpcCidr: reader.cidr("vpcCidr", "10.0.0.0/16", { minPrefix: 16, maxPrefix: 20 }),
        natGateways: reader.oneOf("natGateways", ["single", "onePerAz"] as const, stack === "production" ? "onePerAz" : "single"),
        certificateArn,
        publicHostname,
        allowHttpWithoutCertificate,
        testListenerPort: reader.integer("testListenerPort", 8443, 1024, 65535)!,
        testListenerCidrs: reader.cidrList("testListenerCidrs"),
        instanceType: reader.string("instanceType", { pattern: INSTANCE_TYPE, allowed: "an EC2 instance type such as t3.small", fallback: "t3.small" })!,
        amiId: reader.string("amiId", { pattern: AMI_ID, allowed: "an AMI id such as ami-0123456789abcdef0 (docs/runbook.md, OS image update, says how to find the current one)" })!,
        holdLaunchTemplate: reader.optionalOneOf("holdLaunchTemplate", COLORS),
        rootVolumeGiB: reader.integer("rootVolumeGiB", 20, 8, 1024)!,
        capacity: { min: min!, max: max!, desired: desired! },
        cpuTargetPercent: reader.integer("cpuTargetPercent", 50, 10, 90)!,
        healthCheckGracePeriodSeconds: reader.integer("healthCheckGracePeriod", 300, 60, 3600)!,
        deregistrationDelaySeconds: reader.integer("deregistrationDelay", 300, 0, 3600)!,
        slowStartSeconds: reader.slowStart("slowStart"),
        healthCheck: {
            intervalSeconds: interval!,
            timeoutSeconds: timeout!,
            healthyThreshold: reader.integer("healthyThreshold", 3, 2, 10)!,
            unhealthyThreshold: reader.integer("unhealthyThreshold", 2, 2, 10)!,
        },
        deletionProtection: reader.boolean("deletionProtection", stack === "production"),
        gitlab: {
            url: gitlabUrl!,
            audience: reader.string("gitlabAudience", { pattern: /^\S+$/, allowed: "the id_tokens aud value your jobs request", fallback: gitlabUrl })!,
            projectPath: reader.string("gitlabProjectPath", { pattern: PROJECT_PATH, allowed: "a GitLab project path such as group/project (no wildcards)" })!,
            protectedRef: reader.string("gitlabProtectedRef", { pattern: GIT_REF, allowed: "a protected branch name such as main (no wildcards)", fallback: "main" })!,
            oidcProviderArn: reader.optionalString("oidcProviderArn", { pattern: OIDC_PROVIDER_ARN, allowed: "an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<host>)" }),
        },
        revisionRetentionDays: reader.integer("revisionRetentionDays", 180, 30, 3650)!,
        logRetentionDays: reader.integerOneOf("logRetentionDays", CLOUDWATCH_LOG_RETENTION_DAYS, 30),
        alarms: {
            target5xxPercent: reader.number("alarmTarget5xxPercent", 1, 0.1, 50),
            p99LatencySeconds: reader.number("alarmP99LatencySeconds", 1.5, 0.05, 60),
        },
    };

    reader.rejectUnknownKeys();
    if (reader.problems.length > 0) throw new ConfigError(reader.problems);
    return config;
}

/** Reads the config of the running Pulumi program. */
export function loadStackConfig(): StackConfig {
    return parseStackConfig(pulumi.getProject(), pulumi.getStack(), pulumi.runtime.allConfig());
}

interface StringRule {
    pattern: RegExp;
    allowed: string;
    fallback?: string;
}

/** Collects problems instead of throwing at the first, so one run reports every bad key. */
class ConfigReader {
    readonly problems: string[] = [];
    private readonly known = new Set<string>();

    constructor(private readonly raw: RawConfig) {}

    problem(key: string, value: string | undefined, allowed: string): void {
        const shown = value === undefined ? "missing" : `got ${JSON.stringify(value)}`;
        this.problems.push(`${key}: ${shown}; expected ${allowed}`);
    }

    private read(key: string): { fullKey: string; value: string | undefined } {
        const fullKey = key.includes(":") ? key : `${CONFIG_NAMESPACE}:${key}`;
        this.known.add(fullKey);
        return { fullKey, value: this.raw[fullKey] };
    }

    optionalString(key: string, rule: StringRule): string | undefined {
        const { fullKey, value } = this.read(key);
        if (value === undefined) return rule.fallback;
        if (!rule.pattern.test(value)) {
            this.problem(fullKey, value, rule.allowed);
            return undefined;
        }
        return value;
    }

    /** Like optionalString, but a key with no value and no fallback is a problem too. */
    string(key: string, rule: StringRule): string | undefined {
        const { fullKey, value } = this.read(key);
        if (value === undefined && rule.fallback === undefined) {
            this.problem(fullKey, undefined, rule.allowed);
            return undefined;
        }
        return this.optionalString(key, rule);
    }

    boolean(key: string, fallback: boolean): boolean {
        const { fullKey, value } = this.read(key);
        if (value === undefined) return fallback;
        if (value === "true" || value === "false") return value === "true";
        this.problem(fullKey, value, `"true" or "false"`);
        return fallback;
    }

    number(key: string, fallback: number, min: number, max: number, integer = false): number {
        const { fullKey, value } = this.read(key);
        if (value === undefined) return fallback;
        const parsed = value.trim() === "" ? NaN : Number(value);
        const kind = integer ? "a whole number" : "a number";
        if (!Number.isFinite(parsed) || (integer && !Number.isInteger(parsed)) || parsed < min || parsed > max) {
            this.problem(fullKey, value, `${kind} from ${min} to ${max}`);
            return fallback;
        }
        return parsed;
    }

    integer(key: string, fallback: number, min: number, max: number): number | undefined {
        const before = this.problems.length;
        const value = this.number(key, fallback, min, max, true);
        return this.problems.length > before ? undefined : value;
    }

    slowStart(key: string): number {
        const { fullKey, value } = this.read(key);
        if (value === undefined) return 0;
        const parsed = Number(value);
        // AWS accepts 0 (off) or 30-900 seconds.
        if (!Number.isInteger(parsed) || (parsed !== 0 && (parsed < 30 || parsed > 900))) {
            this.problem(fullKey, value, "0 (off) or a whole number of seconds from 30 to 900");
            return 0;
        }
        return parsed;
    }

    oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
        const { fullKey, value } = this.read(key);
        if (value === undefined) return fallback;
        if ((allowed as readonly string[]).includes(value)) return value as T;
        this.problem(fullKey, value, `one of ${allowed.join(", ")}`);
        return fallback;
    }

    optionalOneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
        const { fullKey, value } = this.read(key);
        if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
        this.problem(fullKey, value, `one of ${allowed.join(", ")}`);
        return undefined;
    }

    integerOneOf(key: string, allowed: readonly number[], fallback: number): number {
        const { fullKey, value } = this.read(key);
        if (value === undefined) return fallback;
        if (allowed.includes(Number(value))) return Number(value);
        this.problem(fullKey, value, `one of ${allowed.join(", ")}`);
        return fallback;
    }

    cidr(key: string, fallback: string, prefix: { minPrefix: number; maxPrefix: number }): string {
        const { fullKey, value } = this.read(key);
        const cidr = value ?? fallback;
        const bits = Number(cidr.split("/")[1]);
        if (!isCidr(cidr) || bits < prefix.minPrefix || bits > prefix.maxPrefix) {
            this.problem(fullKey, cidr, `an IPv4 CIDR block from /${prefix.minPrefix} to /${prefix.maxPrefix}, e.g. 10.0.0.0/16`);
        }
        return cidr;
    }

    cidrList(key: string): string[] {
        const { fullKey, value } = this.read(key);
        const allowed = `a non-empty list of IPv4 CIDR blocks other than 0.0.0.0/0, e.g. ["203.0.113.0/24"]`;
        if (value === undefined) {
            this.problem(fullKey, undefined, allowed);
            return [];
        }
        let list: unknown;
        try {
            list = JSON.parse(value);
        } catch {
            list = undefined;
        }
        if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === "string" && isCidr(c) && !c.endsWith("/0"))) {
            this.problem(fullKey, value, allowed);
            return [];
        }
        return list as string[];
    }

    rejectUnknownKeys(): void {
        for (const key of Object.keys(this.raw).sort()) {
            // The Pulumi CLI reads a key without a namespace as a project key (bluegreen:<key>), but
            // only the CLI does: refuse it so `plan` and `up` cannot read the file differently.
            if (!key.includes(":")) {
                this.problems.push(`${key}: key without a namespace; expected ${CONFIG_NAMESPACE}:${key} (stack file keys need the ${CONFIG_NAMESPACE}: prefix, or a provider's such as aws:)`);
            } else if (key === `${CONFIG_NAMESPACE}:amiSsmParameter`) {
                this.problems.push(`${key}: no longer read; expected ${CONFIG_NAMESPACE}:amiId, a reviewed AMI id (docs/runbook.md: OS image update)`);
            } else if (key.startsWith(`${CONFIG_NAMESPACE}:`) && !this.known.has(key)) {
                const knownKeys = [...this.known].filter((k) => k.startsWith(`${CONFIG_NAMESPACE}:`)).sort();
                this.problems.push(`${key}: unknown key; known keys are ${knownKeys.join(", ")}`);
            }
        }
    }
}
