/**
 * Injected failures: throttling and calls that are never answered, on any operation, for a
 * window of virtual time or a number of calls.
 *
 * Throttling codes are each service's own (HTTP 400 for the query and JSON services):
 * Elastic Load Balancing, Auto Scaling and CloudWatch answer `Throttling` ("Rate exceeded"),
 * CodeDeploy `ThrottlingException` (modelled in its API: codedeploy/latest/APIReference/CommonErrors.html
 * lists ThrottlingException, HTTP 400; elasticloadbalancing/latest/APIReference/CommonErrors.html
 * the same), S3 `SlowDown` with HTTP 503 (AmazonS3/latest/API/ErrorResponses.html). The SDK
 * retries all of them as throttling errors (@smithy/core retry THROTTLING_ERROR_CODES).
 */
import { AwsError } from "./protocols";

export interface FaultRule {
  kind: "throttle" | "hang";
  /** SigV4 service name (elasticloadbalancing, autoscaling, codedeploy, monitoring, s3); all if absent. */
  service?: string;
  /** Operation name (DescribeAlarms, ModifyListener, PutObject, ...); all if absent. */
  operation?: string;
  /** Virtual time window [from, until); always if absent. */
  from?: number;
  until?: number;
  /** How many matching calls it hits; unlimited if absent. */
  times?: number;
}

const THROTTLING: Record<string, { code: string; status: number }> = {
  elasticloadbalancing: { code: "Throttling", status: 400 },
  autoscaling: { code: "Throttling", status: 400 },
  monitoring: { code: "Throttling", status: 400 },
  codedeploy: { code: "ThrottlingException", status: 400 },
  s3: { code: "SlowDown", status: 503 },
};

export function throttlingError(service: string): AwsError {
  const { code, status } = THROTTLING[service] ?? { code: "Throttling", status: 400 };
  return new AwsError(code, status === 503 ? "Please reduce your request rate." : "Rate exceeded", status);
}

export class Faults {
  private readonly rules: FaultRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ ...rule });
  }

  /** The fault that hits this call, if any (and counts it against the rule's `times`). */
  hit(service: string, operation: string, now: number): FaultRule["kind"] | undefined {
    for (const rule of this.rules) {
      if (rule.service && rule.service !== service) continue;
      if (rule.operation && rule.operation !== operation) continue;
      if (rule.from !== undefined && now < rule.from) continue;
      if (rule.until !== undefined && now >= rule.until) continue;
      if (rule.times !== undefined) {
        if (rule.times <= 0) continue;
        rule.times--;
      }
      return rule.kind;
    }
    return undefined;
  }
}
