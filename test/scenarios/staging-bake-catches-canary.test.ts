import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 8: the staging pipeline bakes each step for SWITCH_BAKE_SECONDS, but the
 * rollback alarms (60 s periods, 2 of 3 datapoints, ALB metrics published per minute and late)
 * cannot reach ALARM in less than about three minutes. A release answering 20 % of requests with
 * 5xx must be caught at the pipeline's 50 % step, before it gets all of production.
 */
scenario("the staging pipeline's bake catches a failing canary", { stack: "staging" }, (get) => {
  it("aborts at 50 % with the 5xx alarm and restores blue, before green ever gets 100 %", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(40);
    const release = { version: "v2", behaviour: "5xx", errorRate: 0.2 } as const;
    await s.jobPasses("deploy", release);

    let most = 0;
    s.onProductionWeights((weights) => (most = Math.max(most, weights.green)));
    const [switchCommand] = s.jobCommands("switch", release);
    const result = await switchCommand!();
    const log = `SWITCH_BAKE_SECONDS=${s.pipelineVariable("switch", "SWITCH_BAKE_SECONDS")}\n${result.out.join("\n")}\n${result.err}`;
    expect(most, `most production weight green got\n${log}`).to.be.at.most(50);
    expect(result.code, log).to.equal(1);
    expect(result.err).to.include("bluegreen-staging-green-target-5xx-rate");
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
  });
});
