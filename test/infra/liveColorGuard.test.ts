/**
 * `pulumi up` never refreshes the live color unannounced (DESIGN.md decision 12): the program run
 * against a stack that is already deployed, with the production listener's weights as the release
 * tool left them, the way `pulumi preview` runs it before every `up`.
 */
import { expect } from "chai";
import { weightsByTargetGroup } from "../../infra/liveColorGuard";
import { type DeployedWorld, ProgramError, type SimulatedStack, simulateStack } from "../../infra/simulate";
import { readStackConfig } from "../../infra/stackFiles";

const NEW_AMI = "ami-0fedcba9876543210";

describe("live-color guard: an instance change reaches the idle color only", function () {
    let previous: SimulatedStack;
    before(async () => {
        previous = await simulateStack("staging");
    });

    const rerun = (overrides: Record<string, string>, deployed: Omit<DeployedWorld, "previous">) =>
        simulateStack("staging", { config: { ...readStackConfig("staging"), ...overrides }, deployed: { previous, ...deployed } });
    const refusal = async (run: Promise<unknown>) => {
        const err = await run.then(() => undefined, (e: unknown) => e);
        expect(err, "the run should have been refused").to.be.instanceOf(ProgramError);
        return (err as Error).message;
    };
    const template = (sim: SimulatedStack, color: string) => sim.resources.find((r) => r.name === `instances-${color}-lt`)!;

    it("refuses an AMI bump while blue is live, naming blue and the runbook", async () => {
        const message = await refusal(rerun({ "bluegreen:amiId": NEW_AMI }, { productionWeights: { blue: 100, green: 0 } }));
        expect(message).to.match(/^blue carries production traffic \(weight 100 on the production listener\) and this update changes its launch template/);
        expect(message).to.include("bluegreen:holdLaunchTemplate: blue").and.include('"OS image update"');
    });

    it("refuses a change of anything else in the template too (here the instance type), whichever color is live", async () => {
        const message = await refusal(rerun({ "bluegreen:instanceType": "t3.medium" }, { productionWeights: { blue: 0, green: 100 } }));
        expect(message).to.match(/^green carries production traffic/);
    });

    it("with the live color held, the change reaches the idle color only", async () => {
        const sim = await rerun({ "bluegreen:amiId": NEW_AMI, "bluegreen:holdLaunchTemplate": "blue" }, { productionWeights: { blue: 100, green: 0 } });
        expect(template(sim, "green").inputs.imageId).to.equal(NEW_AMI);
        expect(template(sim, "green").ignoreChanges).to.deep.equal([]);
        // Pulumi leaves blue's template (and so its instances) exactly as AWS has it.
        expect(template(sim, "blue").ignoreChanges).to.include.members(["imageId", "instanceType", "userData", "tags"]);
    });

    it("after the switch, holding the now-live green lets blue follow", async () => {
        const sim = await rerun({ "bluegreen:amiId": NEW_AMI, "bluegreen:holdLaunchTemplate": "green" }, { productionWeights: { blue: 0, green: 100 } });
        expect(template(sim, "blue").ignoreChanges).to.deep.equal([]);
        expect(template(sim, "green").ignoreChanges).to.include("imageId");
    });

    it("holding the idle color protects nothing: the live one is still refused", async () => {
        const message = await refusal(rerun({ "bluegreen:amiId": NEW_AMI, "bluegreen:holdLaunchTemplate": "green" }, { productionWeights: { blue: 100, green: 0 } }));
        expect(message).to.match(/^blue carries production traffic/);
    });

    it("during a canary both colors are live: a held one does not make the other idle", async () => {
        const message = await refusal(rerun({ "bluegreen:amiId": NEW_AMI, "bluegreen:holdLaunchTemplate": "blue" }, { productionWeights: { blue: 90, green: 10 } }));
        expect(message).to.match(/^green carries production traffic \(weight 10/);
    });

    it("passes an update that leaves the templates alone, whichever color is live", async () => {
        for (const weights of [{ blue: 100, green: 0 }, { blue: 0, green: 100 }, { blue: 50, green: 50 }]) {
            const sim = await rerun({ "bluegreen:desiredCapacity": "2" }, { productionWeights: weights });
            expect(sim.resources.length).to.equal(previous.resources.length);
        }
    });

    it("reads weights as getListener returns them, including a forward to a single group", () => {
        const weights = weightsByTargetGroup([
            { type: "forward", targetGroupArn: "", forwards: [{ stickinesses: [], targetGroups: [{ arn: "tg-blue", weight: 0 }, { arn: "tg-green", weight: 100 }] }] },
        ] as never);
        expect([...weights]).to.deep.equal([["tg-blue", 0], ["tg-green", 100]]);
        expect([...weightsByTargetGroup([{ type: "forward", targetGroupArn: "tg-blue", forwards: [] }] as never)]).to.deep.equal([["tg-blue", 100]]);
    });
});
