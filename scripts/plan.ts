/**
 * `npm run plan [-- --stack <name>]`: the local main job. Runs the program under mocks with each
 * stack's real config (both stacks by default) and prints what `pulumi preview` would declare,
 * the outputs as the pipeline's dotenv report carries them, and the policy verdicts.
 * Needs no cloud account.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../infra/config";
import { renderResourceTree } from "../infra/resourceTree";
import { simulateStack } from "../infra/simulate";
import { knownStacks } from "../infra/stackFiles";

async function main(): Promise<number> {
    let stacks: string[];
    try {
        const { values } = parseArgs({ options: { stack: { type: "string", multiple: true } }, strict: true });
        stacks = values.stack ?? knownStacks();
    } catch (err) {
        console.error(`plan: ${(err as Error).message}\nusage: npm run plan [-- --stack <name>]...`);
        return 2;
    }
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
        for (const [key, value] of Object.entries(sim.outputs)) console.log(`${key}=${value}`);
    }
    return 0;
}

main().then((code) => process.exit(code));
