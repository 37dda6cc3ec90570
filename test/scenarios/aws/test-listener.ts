/**
 * The test listener's data plane: a real HTTP port on 127.0.0.1 (the scenario's TEST_LISTENER_URL)
 * answering as the ALB's test listener would, through the target group its forward action names,
 * on one of that group's routable targets (traffic.ts), as that instance's app would
 * (`/health/deep`, `/version` with `version` and `commit`). Targets are taken in turn, and target
 * groups by weight in turn, so the answers are deterministic.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { forwardWeights } from "./elb";
import { isRunning, servedVersion, servesHealth } from "./instances";
import type { World } from "./world";

export class TestListenerPlane {
  private readonly server: http.Server;
  private turn = 0;

  constructor(private readonly world: World) {
    this.server = http.createServer((request, response) => {
      const { status, body } = this.answer(new URL(request.url ?? "/", "http://test-listener").pathname);
      response.sendDate = false;
      response.writeHead(status, { "content-type": "application/json" });
      response.end(body);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private pickTargetGroup(): string | undefined {
    const weights = [...forwardWeights(this.world.elb.listener(this.world.testListenerArn).actions)].filter(([, w]) => w > 0);
    const total = weights.reduce((a, [, w]) => a + w, 0);
    if (!total) return undefined;
    let slot = this.turn % total;
    for (const [arn, w] of weights) {
      if (slot < w) return arn;
      slot -= w;
    }
    return undefined;
  }

  private answer(path: string): { status: number; body: string } {
    const tgArn = this.pickTargetGroup();
    const ids = tgArn ? this.world.traffic.routable(this.world.elb.targetGroup(tgArn)) : [];
    const id = ids[this.turn++ % Math.max(1, ids.length)];
    const instance = id ? this.world.instances.get(id) : undefined;
    if (!instance || !isRunning(instance)) return { status: 503, body: "<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>" };
    if (!servesHealth(instance)) return { status: 502, body: "<html><body><h1>502 Bad Gateway</h1></body></html>" };
    if (path === "/health/deep") return { status: 200, body: JSON.stringify({ status: "ok" }) };
    if (path === "/version") return { status: 200, body: JSON.stringify(servedVersion(instance)) };
    return { status: 404, body: JSON.stringify({ error: "not found" }) };
  }
}
