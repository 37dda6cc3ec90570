/**
 * The offline gate: `npm run policy:check -- --stack <name> | --stack-export <file>
 * [--config <file>] [--json]`. Same policies, same verdicts as `pulumi preview --policy-pack
 * policy`, without cloud credentials. Exit 1 on any mandatory violation, 0 on none, 2 on bad
 * usage or unreadable input.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { command, UsageError } from "../../cli/command";
import { inputFile, oneOf, toggle, type Values } from "../../cli/flags";
import { CommandFailure, exitWith, type Io, processIo, runCommand } from "../../cli/run";
import { evaluate } from "./analyzer";
import { loadPolicyConfig, PolicyConfigError, type PolicyPackConfigFile, stackConfigPath } from "./config";
import { renderVerdicts } from "./render";
import { SecretNeededError } from "./secrets";
import { InputError, readStackExport, REPO_ROOT, simulate, type Source } from "./sources";

/** The stacks with a Pulumi.<stack>.yaml. infra/ is loaded at run time: the pack's TypeScript project does not compile it. */
function knownStacks(): string[] {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require(path.join(REPO_ROOT, "infra", "stackFiles")) as { knownStacks(): string[] }).knownStacks();
}

export const POLICY_CHECK = command({
    name: "policy:check",
    invocation: "npm run policy:check --",
    summary: "The offline policy gate: the pack's verdicts on a stack (the program under mocks) or on a `pulumi stack export` file, without cloud credentials.",
    flags: {
        stack: oneOf(knownStacks, "run the program under mocks with this stack's config"),
        "stack-export": inputFile("check a `pulumi stack export` file (deployment version 3) instead", { placeholder: "<file>" }),
        config: inputFile("a CrossGuard policy-config JSON file", { placeholder: "<policy-config.json>" }).defaultsTo("policy/config/<stack>.json if it exists, else the pack's defaults"),
        json: toggle('print {"violations":[{"policy","enforcementLevel","urn","message"}]} instead of the report'),
    },
    notes: ["Give exactly one of --stack or --stack-export."],
    check: (v) => {
        if ((v.stack === undefined) === (v["stack-export"] === undefined)) throw new UsageError("give exactly one of --stack or --stack-export");
    },
    exitCodes: { 0: "no mandatory violation", 1: "a mandatory policy is violated", 2: "bad usage, or unreadable input (export, config)" },
});

async function readSource(args: Values<typeof POLICY_CHECK.flags>): Promise<Source> {
    if (args.stack !== undefined) return simulate(args.stack);
    const source = readStackExport(args["stack-export"]!);
    // An export without resources checks nothing: saying "no violations" would pass a wrong file.
    if (source.resources.length === 0) throw new InputError(`stack export ${args["stack-export"]} has no resources: nothing to check (is it the export of a deployed stack?)`);
    return source;
}

async function check(args: Values<typeof POLICY_CHECK.flags>, io: Io): Promise<number> {
    let source: Source;
    let config: PolicyPackConfigFile | undefined;
    try {
        if (args.config !== undefined) config = loadPolicyConfig(args.config);
        source = await readSource(args);
        if (config === undefined && source.stack !== undefined && existsSync(stackConfigPath(source.stack))) {
            io.err(`policy:check: using the ${source.stack} stack's policy config ${path.relative(process.cwd(), stackConfigPath(source.stack))}`);
            config = loadPolicyConfig(stackConfigPath(source.stack));
        } else if (config === undefined) {
            // Any number of stacks: one without its own config gets the pack's strictest defaults, said once.
            const missing = source.stack === undefined ? "no stack named in the input" : `no ${path.relative(REPO_ROOT, stackConfigPath(source.stack))}`;
            io.err(`policy:check: ${missing}: applying the pack's defaults`);
        }
    } catch (e) {
        if (e instanceof InputError || e instanceof PolicyConfigError) throw new CommandFailure(e.message, 2);
        throw e;
    }
    let violations;
    try {
        violations = await evaluate(source.resources, { stack: source.stack, config });
    } catch (e) {
        if (e instanceof SecretNeededError) throw new CommandFailure(`${args["stack-export"] ?? args.stack}: ${e.message}`, 2);
        if (e instanceof PolicyConfigError) throw new CommandFailure(`${args.config ?? "policy config"}: ${e.message}`, 2);
        throw e;
    }
    if (args.json) {
        const report = violations.map((v) => ({ policy: v.policy, enforcementLevel: v.enforcementLevel, urn: v.urn ?? null, message: v.message }));
        io.out(JSON.stringify({ violations: report }, null, 2));
    } else {
        io.out(renderVerdicts(violations, source.resources));
    }
    return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

export function main(argv: string[], io: Io): Promise<number> {
    return runCommand(POLICY_CHECK, argv, (args) => check(args, io), { io });
}

if (require.main === module) exitWith(main(process.argv.slice(2), processIo));
