/**
 * `npm run plan [-- --stack <name>]`: the local main job. Runs the program under mocks with each
 * stack's real config (both stacks by default) and prints what `pulumi preview` would declare,
 * the outputs as the pipeline's dotenv report carries them, and the policy verdicts. Exits 1
 * when a mandatory policy is violated, 2 on bad usage or config. Needs no cloud account.
 */
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { ConfigError } from "../infra/config";
import { renderResourceTree } from "../infra/resourceTree";
import { simulateStack } from "../infra/simulate";
import { knownStacks } from "../infra/stackFiles";
import { evaluate, renderVerdicts, stackConfigPath } from "../policy/offline";
import { stackOutputsToDotenv } from "../release/dotenv";

async function main(): Promise<number> {
    let stacks: string[];
    try {
        const { values } = parseArgs({ options: { stack: { type: "string", multiple: true } }, strict: true });
        stacks = values.stack ?? knownStacks();
    } catch (err) {
        console.error(`plan: ${(err as Error).message}\nusage: npm run plan [-- --stack <name>]...`);
        return 2;
    }
    let failed = false;
    for (const stack of stacks) {
        process.stderr.write(`plan: running the ${stack} program under mocks...\n`);
        let sim;
        try {
            sim = await simulateStack(stack);
        } catch (err) {
            console.error(err instanceof ConfigError ? `plan: ${stack}: ${err.message}` : `plan: ${(err as Error).message}`);
            return 2;
        }
        const custom = sim.resources.filter((r) => r.custom || r.type.startsWith("awsx:")).length;
        console.log(`\n=== stack ${sim.project}/${stack}: ${sim.resources.length} resources (${custom} cloud resources, ${sim.resources.length - custom} components) ===\n`);
        console.log(renderResourceTree(sim.resources));
        console.log(`\n--- outputs (dotenv report) ---`);
        process.stdout.write(stackOutputsToDotenv(sim.outputs));
        // A stack without its own policy config gets the pack's defaults, its strictest settings.
        const policyConfig = `policy/config/${stack}.json`;
        const hasOwnPolicyConfig = existsSync(stackConfigPath(stack));
        if (!hasOwnPolicyConfig) process.stderr.write(`plan: no ${policyConfig}: applying the pack's defaults\n`);
        console.log(`\n--- policy verdicts (${hasOwnPolicyConfig ? policyConfig : "the pack's defaults"}) ---`);
        const violations = await evaluate(sim.resources, { stack });
        console.log(renderVerdicts(violations, sim.resources));
        if (violations.some((v) => v.enforcementLevel === "mandatory")) failed = true;
    }
    return failed ? 1 : 0;
}

main().then((code) => process.exit(code));
