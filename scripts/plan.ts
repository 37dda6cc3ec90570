/**
 * `npm run plan [-- --stack <name>]`: the local main job. Runs the program under mocks with each
 * stack's real config (both stacks by default) and prints what `pulumi preview` would declare,
 * the outputs as the pipeline's dotenv report carries them, and the policy verdicts. Needs no
 * cloud account.
 */
import { existsSync } from "node:fs";
import { command } from "../cli/command";
import { oneOf, type Values } from "../cli/flags";
import { CommandFailure, exitWith, runCommand } from "../cli/run";
import { knownStacks } from "../infra/stackFiles";

export const PLAN = command({
    name: "plan",
    invocation: "npm run plan --",
    summary: "Run the Pulumi program under mocks with each stack's real config: the resource tree, the outputs as the pipeline's dotenv report, the policy verdicts. No cloud account needed.",
    flags: {
        stack: oneOf(knownStacks, "the stack to plan").repeatable().defaultsTo("every stack with a Pulumi.<stack>.yaml"),
    },
    exitCodes: { 0: "no mandatory policy violation", 1: "a mandatory policy is violated", 2: "bad usage, or a stack's config is invalid" },
});

async function plan({ stack }: Values<typeof PLAN.flags>): Promise<number> {
    // Loaded once the flags are valid: --help and bad usage answer without loading Pulumi.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { ConfigError } = require("../infra/config") as typeof import("../infra/config");
    const { renderResourceTree } = require("../infra/resourceTree") as typeof import("../infra/resourceTree");
    const { simulateStack } = require("../infra/simulate") as typeof import("../infra/simulate");
    const { evaluate, renderVerdicts, stackConfigPath } = require("../policy/offline") as typeof import("../policy/offline");
    const { stackOutputsToDotenv } = require("../release/dotenv") as typeof import("../release/dotenv");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const stacks = stack.length > 0 ? stack : knownStacks();
    let failed = false;
    for (const name of stacks) {
        process.stderr.write(`plan: running the ${name} program under mocks...\n`);
        let sim;
        try {
            sim = await simulateStack(name);
        } catch (err) {
            throw new CommandFailure(err instanceof ConfigError ? `${name}: ${err.message}` : (err as Error).message, 2);
        }
        const custom = sim.resources.filter((r) => r.custom || r.type.startsWith("awsx:")).length;
        console.log(`\n=== stack ${sim.project}/${name}: ${sim.resources.length} resources (${custom} cloud resources, ${sim.resources.length - custom} components) ===\n`);
        console.log(renderResourceTree(sim.resources));
        console.log(`\n--- outputs (dotenv report) ---`);
        process.stdout.write(stackOutputsToDotenv(sim.outputs));
        // A stack without its own policy config gets the pack's defaults, its strictest settings.
        const policyConfig = `policy/config/${name}.json`;
        const hasOwnPolicyConfig = existsSync(stackConfigPath(name));
        if (!hasOwnPolicyConfig) process.stderr.write(`plan: no ${policyConfig}: applying the pack's defaults\n`);
        console.log(`\n--- policy verdicts (${hasOwnPolicyConfig ? policyConfig : "the pack's defaults"}) ---`);
        const violations = await evaluate(sim.resources, { stack: name });
        console.log(renderVerdicts(violations, sim.resources));
        if (violations.some((v) => v.enforcementLevel === "mandatory")) failed = true;
    }
    return failed ? 1 : 0;
}

if (require.main === module) exitWith(runCommand(PLAN, process.argv.slice(2), plan));
