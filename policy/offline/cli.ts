/**
 * The offline policy gate: `npm run policy:check -- --stack <name> | --stack-export <file>
 * [--config <file>] [--json]`. Same policies, same verdicts as `pulumi preview --policy-pack
 * policy`, without cloud credentials. Exit 1 on any mandatory violation, 0 on none, 2 on bad
 * usage or unreadable input.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { evaluate, type Violation } from "./analyzer";
import { loadPolicyConfig, PolicyConfigError, type PolicyPackConfigFile, stackConfigPath } from "./config";
import { renderVerdicts } from "./render";
import { SecretNeededError } from "./secrets";
import { InputError, readStackExport, simulate, type Source } from "./sources";

const USAGE = "usage: npm run policy:check -- (--stack <name> | --stack-export <file>) [--config <policy-config.json>] [--json]";

export interface Io {
    out(text: string): void;
    err(text: string): void;
}

interface Args {
    stack?: string;
    stackExport?: string;
    config?: string;
    json: boolean;
}

function parse(argv: string[]): Args {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            options: { stack: { type: "string" }, "stack-export": { type: "string" }, config: { type: "string" }, json: { type: "boolean", default: false } },
            strict: true,
            allowPositionals: false,
        }));
    } catch (e) {
        throw new InputError((e as Error).message);
    }
    if ((values.stack === undefined) === (values["stack-export"] === undefined)) throw new InputError("give exactly one of --stack or --stack-export");
    return { stack: values.stack, stackExport: values["stack-export"], config: values.config, json: values.json ?? false };
}

export async function main(argv: string[], io: Io): Promise<number> {
    let args: Args;
    let source: Source;
    let config: PolicyPackConfigFile | undefined;
    try {
        args = parse(argv);
        if (args.config !== undefined) config = loadPolicyConfig(args.config);
        source = args.stack !== undefined ? await simulate(args.stack) : readStackExport(args.stackExport!);
        if (config === undefined && source.stack !== undefined && existsSync(stackConfigPath(source.stack))) {
            io.err(`policy:check: using the ${source.stack} stack's policy config ${path.relative(process.cwd(), stackConfigPath(source.stack))}`);
            config = loadPolicyConfig(stackConfigPath(source.stack));
        }
    } catch (e) {
        if (!(e instanceof InputError || e instanceof PolicyConfigError)) throw e;
        io.err(`policy:check: ${e.message}\n${USAGE}`);
        return 2;
    }
    let violations: Violation[];
    try {
        violations = await evaluate(source.resources, { stack: source.stack, config });
    } catch (e) {
        if (e instanceof SecretNeededError) {
            io.err(`policy:check: ${args.stackExport ?? args.stack}: ${e.message}`);
            return 2;
        }
        if (!(e instanceof PolicyConfigError)) throw e;
        io.err(`policy:check: ${args.config ?? "policy config"}: ${e.message}`);
        return 2;
    }
    if (args.json) {
        const report = violations.map((v) => ({ policy: v.policy, enforcementLevel: v.enforcementLevel, urn: v.urn ?? null, message: v.message }));
        io.out(JSON.stringify({ violations: report }, null, 2));
    } else {
        io.out(renderVerdicts(violations, source.resources));
    }
    return violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t) }).then(
        (code) => process.exit(code),
        (e) => {
            console.error(`policy:check: ${(e as Error).stack ?? e}`);
            process.exit(2);
        },
    );
}
