import { expect } from "chai";
import { findings, res } from "./harness";

describe("deployment-auto-rollback", () => {
    const p = "deployment-auto-rollback";
    const DG = "aws:codedeploy/deploymentGroup:DeploymentGroup";
    it("rejects a deployment group without automatic rollback, or without rolling back on failure", async () => {
        expect(await findings(p, res(DG, "a", { appName: "x" }))).to.deep.equal(["autoRollbackConfiguration is not enabled."]);
        expect(await findings(p, res(DG, "b", { autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_STOP_ON_ALARM"] } }))).to.have.length(1);
    });
    it("accepts rollback on DEPLOYMENT_FAILURE", async () => {
        expect(await findings(p, res(DG, "c", { autoRollbackConfiguration: { enabled: true, events: ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"] } }))).to.deep.equal([]);
    });
});
