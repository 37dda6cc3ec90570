import { expect } from "chai";
import type { CliResult } from "./scenario";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 6 and the required "hung call": the ModifyListener that moves production to
 * 50 % is never answered (a stalled connection). Without a request timeout the switch would wait
 * until the CI job times out with traffic split; with one, the SDK retries and the switch goes on.
 */
scenario("a hung ModifyListener during the switch", { stack: "production" }, (get) => {
  it("times the call out, retries it and completes the switch", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });

    s.onProductionWeights((weights) => {
      if (weights.green === 10) s.world.faults.add({ kind: "hang", service: "elasticloadbalancing", operation: "ModifyListener", times: 1 });
    });
    let switched: CliResult[] = [];
    let hung: Error | undefined;
    try {
      switched = await s.job("switch", { version: "v2", behaviour: "ok" });
    } catch (error) {
      hung = error as Error;
    }
    expect(hung?.message, `weights left at ${JSON.stringify(s.weights())}`).to.equal(undefined);
    expect(s.world.endpoint.calls.some((c) => c.operation === "ModifyListener" && c.outcome === "hung"), "the story needs a hung call").to.equal(true);
    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
  });
});
