/**
 * The model's AWS endpoint: one HTTP server on 127.0.0.1 that the release tool's real SDK clients
 * reach through `AWS_ENDPOINT_URL`. It routes each request by the service named in its SigV4
 * credential scope, applies injected faults, logs the call and hands it to the service's protocol
 * layer. An operation the model does not implement fails loudly (a 400 the SDK does not retry,
 * and an entry in `unknownOperations` the scenario harness fails on), so a new tool call cannot
 * pass silently.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { attemptKey } from "../driver";
import type { Faults } from "./faults";
import { throttlingError } from "./faults";
import { AwsError, decodeQuery, jsonError, jsonResponse, queryError, queryResponse, restXmlError, type Wire, type WireResponse } from "./protocols";

export type Operation = (input: Wire) => Wire | undefined;

export type ServiceEndpoint =
  | { protocol: "query"; namespace: string; operations: Record<string, Operation> }
  | { protocol: "json"; version: "1.0" | "1.1"; queryCompatible: boolean; operations: Record<string, Operation> }
  | { protocol: "rest"; route(request: RestRequest): { operation: string; run: () => WireResponse } | undefined };

export interface RestRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Call {
  time: number;
  service: string;
  operation: string;
  /** "ok", the error code returned, or "hung". */
  outcome: string;
}

export interface EndpointContext {
  now(): number;
  nextRequestId(): string;
  faults: Faults;
}

export class AwsEndpoint {
  readonly calls: Call[] = [];
  readonly unknownOperations: string[] = [];
  /** Attempt keys of the exchanges left unanswered (the driver lets time move past them). */
  readonly hung = new Set<string>();
  private readonly server: http.Server;
  private readonly hungResponses = new Set<http.ServerResponse>();

  constructor(
    private readonly services: Record<string, ServiceEndpoint>,
    private readonly ctx: EndpointContext,
  ) {
    this.server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => this.handle(request, Buffer.concat(chunks), response));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const response of this.hungResponses) response.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Calls per "service:Operation", for the scenario report. */
  callCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const call of this.calls) counts[`${call.service}:${call.operation}`] = (counts[`${call.service}:${call.operation}`] ?? 0) + 1;
    return counts;
  }

  private handle(request: http.IncomingMessage, body: Buffer, response: http.ServerResponse) {
    const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(request.headers.authorization ?? "")?.[1] ?? "unsigned";
    const endpoint = this.services[service];
    const requestId = this.ctx.nextRequestId();
    let operation = "?";
    let run: () => WireResponse;
    let fail: (error: AwsError) => WireResponse;
    if (!endpoint) {
      run = this.unknown(service, operation);
      fail = (error) => queryError(error, "", requestId);
    } else if (endpoint.protocol === "query") {
      const { action, params } = decodeQuery(body.toString("utf8"));
      operation = action;
      run = () => queryResponse(action, endpoint.namespace, requestId, this.operation(endpoint.operations, service, action)(params));
      fail = (error) => queryError(error, endpoint.namespace, requestId);
    } else if (endpoint.protocol === "json") {
      operation = String(request.headers["x-amz-target"] ?? "").split(".").pop() ?? "?";
      const input = body.length ? (JSON.parse(body.toString("utf8")) as Wire) : {};
      run = () => jsonResponse(endpoint.version, requestId, this.operation(endpoint.operations, service, operation)(input));
      fail = (error) => jsonError(endpoint.version, error, requestId, endpoint.queryCompatible);
    } else {
      const url = new URL(request.url ?? "/", "http://model");
      const route = endpoint.route({ method: request.method ?? "GET", path: decodeURIComponent(url.pathname), query: url.searchParams, headers: request.headers, body });
      operation = route?.operation ?? `${request.method} ${url.pathname}${url.search}`;
      run = route?.run ?? this.unknown(service, operation);
      fail = (error) => restXmlError(error, requestId);
    }

    const fault = this.ctx.faults.hit(service, operation, this.ctx.now());
    if (fault === "hang") {
      const key = attemptKey(request.headers["amz-sdk-invocation-id"], request.headers["amz-sdk-request"]);
      this.hung.add(key);
      this.hungResponses.add(response);
      response.on("close", () => {
        this.hung.delete(key);
        this.hungResponses.delete(response);
      });
      this.calls.push({ time: this.ctx.now(), service, operation, outcome: "hung" });
      return;
    }
    let answer: WireResponse;
    try {
      if (fault === "throttle") throw throttlingError(service);
      answer = run();
      this.calls.push({ time: this.ctx.now(), service, operation, outcome: "ok" });
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      answer = fail(error);
      this.calls.push({ time: this.ctx.now(), service, operation, outcome: error.code });
    }
    response.sendDate = false;
    response.writeHead(answer.status, { ...answer.headers, date: new Date(this.ctx.now()).toUTCString(), "x-amz-request-id": requestId });
    response.end(request.method === "HEAD" ? undefined : answer.body);
  }

  private operation(operations: Record<string, Operation>, service: string, name: string): Operation {
    return operations[name] ?? this.unknown(service, name);
  }

  /** What answers whatever the model lacks, service or operation: a 400 the SDK does not retry, and an entry the harness fails the story on. */
  private unknown(service: string, name: string): () => never {
    return () => {
      this.unknownOperations.push(`${service}:${name}`);
      throw new AwsError("ModelDoesNotImplement", `the AWS model does not implement ${service}:${name}; add it to test/scenarios/aws/`);
    };
  }
}
