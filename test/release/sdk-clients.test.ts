/**
 * The release tool's AWS SDK clients against a real HTTP server on 127.0.0.1 (reached through
 * AWS_ENDPOINT_URL, as the scenarios' model is): the SDK's own retry strategy, request handler
 * and timeouts run, nothing is mocked. The server speaks CodeDeploy's JSON 1.1 protocol and
 * answers each request from a script: throttle it, hang it, or answer it.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GetDeploymentGroupCommand } from "@aws-sdk/client-codedeploy";
import { expect } from "chai";
import { CLIENT_SETTINGS, awsClients } from "../../release/context";

type Answer = "throttle" | "hang" | "ok";

/** Starts the server; `answers` is consumed one per request, the last one repeating. */
async function codedeployServer(answers: Answer[]): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const answer = answers[Math.min(requests++, answers.length - 1)];
      if (answer === "hang") return; // never answer: a stalled connection
      res.setHeader("content-type", "application/x-amz-json-1.1");
      if (answer === "throttle") {
        res.statusCode = 400;
        res.end(JSON.stringify({ __type: "ThrottlingException", message: "Rate exceeded" }));
      } else {
        res.end(JSON.stringify({ deploymentGroupInfo: { deploymentGroupName: "bluegreen-staging-green" } }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => requests };
}

/** Runs `fn` with the SDK pointed at `url` and given dummy credentials, restoring the environment after. */
async function withEndpoint<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: "AKIDTEST", AWS_SECRET_ACCESS_KEY: "test-secret" });
  delete process.env.AWS_PROFILE;
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** Fails instead of hanging the suite when a call never returns. */
const within = <T>(ms: number, promise: Promise<T>) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms).unref())]);

const getGroup = () => new GetDeploymentGroupCommand({ applicationName: "bluegreen-staging", deploymentGroupName: "bluegreen-staging-green" });

describe("release: AWS SDK clients (real retry and timeout code against a local server)", () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });

  it("retries a call throttled three times in a row (the SDK's default of 3 attempts gives up)", async () => {
    const { server, url, requests } = await codedeployServer(["throttle", "throttle", "throttle", "ok"]);
    servers.push(server);
    const result = await withEndpoint(url, () => within(30_000, awsClients("eu-west-1").codedeploy.send(getGroup())));
    expect(result.deploymentGroupInfo?.deploymentGroupName).to.equal("bluegreen-staging-green");
    expect(requests()).to.equal(4);
  });

  it("times out a request that hangs and retries it", async () => {
    const { server, url, requests } = await codedeployServer(["hang", "ok"]);
    servers.push(server);
    const quick = { ...CLIENT_SETTINGS, requestTimeoutMs: 300 };
    const started = Date.now();
    const result = await withEndpoint(url, () => within(5_000, awsClients("eu-west-1", quick).codedeploy.send(getGroup())));
    expect(result.deploymentGroupInfo?.deploymentGroupName).to.equal("bluegreen-staging-green");
    expect(requests()).to.equal(2);
    expect(Date.now() - started).to.be.at.least(300);
  });

  it("gives up on a server that never answers after its attempts, with the SDK's TimeoutError", async () => {
    const { server, url, requests } = await codedeployServer(["hang"]);
    servers.push(server);
    const quick = { ...CLIENT_SETTINGS, requestTimeoutMs: 100, maxAttempts: 3 };
    const error = await withEndpoint(url, () => within(10_000, awsClients("eu-west-1", quick).codedeploy.send(getGroup())).catch((e: Error) => e));
    expect((error as Error).name).to.equal("TimeoutError");
    expect(requests()).to.equal(3);
  });

  it("uses adaptive retries, more attempts than the SDK's 3, and bounded request and connection times", async () => {
    expect(CLIENT_SETTINGS.maxAttempts).to.be.at.least(6);
    expect(CLIENT_SETTINGS.requestTimeoutMs).to.be.within(1_000, 60_000);
    expect(CLIENT_SETTINGS.connectionTimeoutMs).to.be.within(1_000, 10_000);
    const { codedeploy } = awsClients("eu-west-1");
    expect(((await codedeploy.config.retryStrategy()) as { mode?: string }).mode).to.equal("adaptive");
    expect(await codedeploy.config.maxAttempts()).to.equal(CLIENT_SETTINGS.maxAttempts);
  });
});
