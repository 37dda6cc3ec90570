/**
 * `npm run docs:commands`: rewrites the README's command reference from every command's declared
 * flags. test/cli/reference.test.ts fails when the README and the declarations differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { command, type Command, type CommandGroup } from "../cli/command";
import { referenceTable, withReference } from "../cli/reference";
import { exitWith, runCommand } from "../cli/run";
import { BENCH_CHART } from "../bench/chart";
import { BENCH_RELEASE } from "../bench/release";
import { BENCH_POLICY } from "../policy/offline/bench";
import { POLICY_CHECK } from "../policy/offline/cli";
import { RELEASE } from "../release/cli";
import { OUTPUTS_DOTENV } from "../release/outputs-dotenv";
import { BUNDLE } from "./bundle";
import { REPO_ROOT } from "./bundle/build";
import { PLAN } from "./plan";

export const README = join(REPO_ROOT, "README.md");

export const DOCS_COMMANDS = command({
    name: "docs:commands",
    invocation: "npm run docs:commands --",
    summary: "Rewrite the README's command reference from every command's declared flags.",
    flags: {},
    exitCodes: { 0: "README.md written", 2: "bad usage" },
});

/** Every entry point, by its npm script. */
export const COMMANDS: Record<string, Command<any> | CommandGroup> = {
    plan: PLAN,
    "policy:check": POLICY_CHECK,
    bundle: BUNDLE,
    "outputs:dotenv": OUTPUTS_DOTENV,
    release: RELEASE,
    "bench:policy": BENCH_POLICY,
    "bench:release": BENCH_RELEASE,
    "bench:chart": BENCH_CHART,
    "docs:commands": DOCS_COMMANDS,
};

export const commandReference = () => referenceTable(Object.values(COMMANDS));

async function write(): Promise<number> {
    writeFileSync(README, withReference(readFileSync(README, "utf8"), commandReference()));
    console.log(`docs:commands: wrote the command reference into ${README}`);
    return 0;
}

if (require.main === module) exitWith(runCommand(DOCS_COMMANDS, process.argv.slice(2), write));
