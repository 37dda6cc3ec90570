/**
 * The wire protocols of the services the release tool calls, one small generic layer each, so a
 * service module works with plain objects shaped like the API reference and the SDK's own
 * serializers and deserializers do the rest:
 *
 * - AWS query (Elastic Load Balancing v2, Auto Scaling): form-encoded request with `Action=`,
 *   lists as `Name.member.N`; XML response `<XResponse><XResult>…` with lists as `<member>`;
 *   errors `<ErrorResponse><Error><Type/><Code/><Message/></Error>` (awsQuery protocol).
 * - AWS JSON 1.1 (CodeDeploy) and 1.0 (CloudWatch): operation in `X-Amz-Target`, timestamps as
 *   epoch seconds; errors carry `__type` and `x-amzn-errortype`. CloudWatch is
 *   `awsQueryCompatible`: its deserializer reads the error code from the `x-amzn-query-error`
 *   header (`Code;Sender`) first (@aws-sdk/core AwsJsonRpcProtocol + ProtocolLib.setQueryCompatError).
 * - REST-XML (S3): requests are routed in s3.ts, which owns its URL layout and headers; errors
 *   are `<Error><Code/><Message/><RequestId/></Error>` (AmazonS3/latest/API/ErrorResponses.html).
 */

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Sender (client fault) or Receiver (service fault), as awsQuery errors name them. */
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
    this.name = code;
  }
}

export type Wire = Record<string, any>;

/** One HTTP answer as the server writes it. */
export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

// ---------------------------------------------------------------------------------------------
// AWS query

/**
 * `A.member.1.B=x&A.member.2.B=y&C=z` -> `{A: [{B: "x"}, {B: "y"}], C: "z"}`. Values stay
 * strings: each operation converts the members it reads. An empty value for a list member
 * (`ListenerArns=`, how the SDK sends an empty list) reads as an empty list.
 */
export function decodeQuery(body: string): { action: string; version: string; params: Wire } {
  const params: Wire = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.split(".");
    let node: any = params;
    for (let i = 0; i < path.length; i++) {
      const segment = path[i]!;
      const last = i === path.length - 1;
      if (segment === "member" || segment === "entry") continue;
      const index = /^\d+$/.test(segment) ? Number(segment) - 1 : undefined;
      const slot = index ?? segment;
      if (last) {
        node[slot] = value;
      } else {
        const nextIsList = path[i + 1] === "member" || path[i + 1] === "entry";
        node[slot] ??= nextIsList ? [] : {};
        node = node[slot];
      }
    }
  }
  const { Action: action, Version: version, ...rest } = params;
  for (const [key, value] of Object.entries(rest)) if (value === "") rest[key] = [];
  return { action: String(action ?? ""), version: String(version ?? ""), params: rest };
}

const escapeXml = (text: string) =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

function xmlValue(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((item) => `<member>${xmlValue(item)}</member>`).join("");
  if (value !== null && typeof value === "object") {
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `<${k}>${xmlValue(v)}</${k}>`)
      .join("");
  }
  return escapeXml(String(value));
}

export function queryResponse(action: string, namespace: string, requestId: string, output: Wire | undefined): WireResponse {
  const result = output === undefined ? "" : `<${action}Result>${xmlValue(output)}</${action}Result>`;
  return {
    status: 200,
    headers: { "content-type": "text/xml" },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">${result}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

export function queryError(error: AwsError, namespace: string, requestId: string): WireResponse {
  return {
    status: error.status,
    headers: { "content-type": "text/xml" },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>${error.type}</Type>` +
      `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}

// ---------------------------------------------------------------------------------------------
// AWS JSON 1.0 / 1.1

/** JSON with Dates as epoch seconds, the JSON protocols' default timestamp format. */
const jsonText = (value: unknown) =>
  JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : v;
  });

export function jsonResponse(version: "1.0" | "1.1", requestId: string, output: Wire | undefined): WireResponse {
  return {
    status: 200,
    headers: { "content-type": `application/x-amz-json-${version}`, "x-amzn-requestid": requestId },
    body: jsonText(output ?? {}),
  };
}

export function jsonError(version: "1.0" | "1.1", error: AwsError, requestId: string, queryCompatible: boolean): WireResponse {
  const headers: Record<string, string> = {
    "content-type": `application/x-amz-json-${version}`,
    "x-amzn-requestid": requestId,
    "x-amzn-errortype": error.code,
  };
  if (queryCompatible) headers["x-amzn-query-error"] = `${error.code};${error.type}`;
  return { status: error.status, headers, body: jsonText({ __type: error.code, message: error.message }) };
}

// ---------------------------------------------------------------------------------------------
// REST-XML

export function restXmlError(error: AwsError, requestId: string): WireResponse {
  return {
    status: error.status,
    headers: { "content-type": "application/xml" },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>` +
      `<RequestId>${requestId}</RequestId></Error>`,
  };
}
