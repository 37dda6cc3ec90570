/**
 * A command as declared by its entry point, and the parser that holds a command line to it.
 * Tokenising is `node:util` parseArgs' (non-strict, with tokens); this module only decides what
 * each token means for the declared flags, so every refusal names the flag, the value given and
 * what is allowed, in one line.
 */
import { parseArgs } from "node:util";
import { type AnyFlag, allowedText, Invalid, toggle, type Flags, type Values } from "./flags";

/** Bad usage: the runner prints `<command>: <message>` on one line and exits 2. */
export class UsageError extends Error {
    /** The (sub)command whose flags were refused, when known: `release deploy`. */
    command?: string;
}

/** Exit code → what it means for this command, for --help and the README's command reference. */
export type ExitCodes = Readonly<Record<number, string>>;

export interface Command<F extends Flags = Flags> {
    /** As the user names it: `plan`, `release deploy`. */
    readonly name: string;
    /** What the user types before the flags: `npm run plan --`, `npm run release -- deploy`. */
    readonly invocation: string;
    /** One line: what it does. */
    readonly summary: string;
    readonly flags: F;
    readonly exitCodes: ExitCodes;
    /** Paragraphs for --help after the flags. */
    readonly notes?: readonly string[];
    /** Rules across flags ("exactly one of --stack or --stack-export"); throws UsageError. */
    readonly check?: (values: Values<F>) => void;
}

/** A command with subcommands: `npm run release -- <command> [flags]`. */
export interface CommandGroup {
    readonly name: string;
    readonly invocation: string;
    readonly summary: string;
    readonly exitCodes: ExitCodes;
    readonly notes?: readonly string[];
    readonly subcommands: Readonly<Record<string, Command<any>>>;
}

/** Infers the flags' value types from the declaration. */
export const command = <F extends Flags>(spec: Command<F>): Command<F> => spec;

/** Accepted by every command; handled by the runner, never seen by the command. */
export const COMMON_FLAGS = {
    debug: toggle("on an unexpected error, print its stack trace instead of one line"),
    help: toggle("print this help and exit 0"),
} satisfies Flags;

export interface Parsed<F extends Flags> {
    values: Values<F>;
    help: boolean;
    debug: boolean;
}

const flagList = (flags: Flags) => Object.keys({ ...flags, ...COMMON_FLAGS }).map((name) => `--${name}`).join(", ");

function tokenize(flags: Flags, argv: string[]) {
    const options = Object.fromEntries(
        Object.entries({ ...flags, ...COMMON_FLAGS }).map(([name, flag]) => [name, { type: (flag as AnyFlag).spec.kind, ...(name === "help" ? { short: "h" } : {}) }]),
    );
    return parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true }).tokens;
}

const wantsHelp = (flags: Flags, argv: string[]) => tokenize(flags, argv).some((t) => t.kind === "option" && t.name === "help");

/**
 * `npm run plan --stack nope` hands `--stack` to npm (which sets npm_config_stack) and only
 * `nope` to the command: say so rather than leave the user puzzling over a stray argument.
 */
function npmTookFlag(flags: Flags): string | undefined {
    return Object.keys(flags).find((name) => process.env[`npm_config_${name.replace(/-/g, "_")}`] !== undefined);
}

function strayArgument(command: Command<Flags>, value: string): UsageError {
    const taken = command.invocation.startsWith("npm run") ? npmTookFlag(command.flags) : undefined;
    const hint = taken ? `; npm took --${taken} for itself: put the flags after --, as in ${command.invocation} --${taken} …` : `; it takes only flags: ${flagList(command.flags)}`;
    return new UsageError(`unexpected argument ${JSON.stringify(value)}${hint}`);
}

function parseValue(name: string, flag: AnyFlag, raw: string): unknown {
    try {
        return flag.spec.parse(raw);
    } catch (e) {
        if (!(e instanceof Invalid)) throw e;
        const allowed = allowedText(flag.spec) ?? "a value";
        throw new UsageError(`--${name} must be ${allowed}; got ${JSON.stringify(raw)}${e.message ? ` (${e.message})` : ""}`);
    }
}

/** Holds argv to the command's flags; throws UsageError on the first problem. */
export function parse<F extends Flags>(command: Command<F>, argv: string[]): Parsed<F> {
    try {
        return parseFlags(command, argv);
    } catch (error) {
        if (error instanceof UsageError) error.command ??= command.name;
        throw error;
    }
}

function parseFlags<F extends Flags>(command: Command<F>, argv: string[]): Parsed<F> {
    const flags: Flags = command.flags;
    if (wantsHelp(flags, argv)) return { values: {} as Values<F>, help: true, debug: false };
    const given = new Map<string, string[]>();
    let debug = false;
    for (const token of tokenize(flags, argv)) {
        if (token.kind === "positional") throw strayArgument(command as Command<any>, token.value);
        if (token.kind !== "option") continue;
        const flag = token.name === "debug" ? COMMON_FLAGS.debug : Object.hasOwn(flags, token.name) ? flags[token.name] : undefined;
        if (!flag) throw new UsageError(`unknown flag ${token.rawName}; ${command.name} takes ${flagList(flags)}`);
        if (flag.spec.kind === "boolean") {
            if (token.value !== undefined) throw new UsageError(`--${token.name} takes no value; got ${JSON.stringify(`${token.rawName}=${token.value}`)}`);
            if (token.name === "debug") {
                debug = true;
                continue;
            }
            given.set(token.name, [...(given.get(token.name) ?? []), "true"]);
            continue;
        }
        // parseArgs (non-strict) takes the next argument as the value even when it is another
        // flag (`--version --json`); a value starting with "-" must be written --flag=-value.
        if (token.value === undefined || (!token.inlineValue && token.value.startsWith("-") && token.value !== "-")) {
            throw new UsageError(`--${token.name} needs a value: ${flag.spec.placeholder}, ${allowedText(flag.spec) ?? "any text"}`);
        }
        given.set(token.name, [...(given.get(token.name) ?? []), token.value]);
    }
    const values: Record<string, unknown> = {};
    for (const [name, flag] of Object.entries(flags)) {
        const raws = given.get(name) ?? [];
        const { spec } = flag;
        if (raws.length > 1 && !spec.repeatable) {
            throw new UsageError(`--${name} given ${raws.length} times (${raws.map((r) => JSON.stringify(r)).join(", ")}); it takes one value`);
        }
        if (raws.length === 0 && spec.required) throw new UsageError(`--${name} is required: ${spec.placeholder}, ${allowedText(spec) ?? "any text"}`);
        if (spec.kind === "boolean") values[name] = raws.length > 0;
        else if (spec.repeatable) values[name] = raws.length > 0 ? raws.map((raw) => parseValue(name, flag, raw)) : (spec.default ?? []);
        else values[name] = raws.length > 0 ? parseValue(name, flag, raws[0]!) : spec.default;
    }
    command.check?.(values as Values<F>);
    return { values: values as Values<F>, help: false, debug };
}

export type GroupParse =
    | { kind: "help"; command?: Command<any> }
    | { kind: "run"; command: Command<any>; parsed: Parsed<Flags> };

/** `<command> [flags]`: the first argument that is not a flag names the subcommand. */
export function parseGroup(group: CommandGroup, argv: string[]): GroupParse {
    const names = Object.keys(group.subcommands).join(", ");
    const everyFlag: Flags = Object.assign({}, ...Object.values(group.subcommands).map((c) => c.flags));
    const first = tokenize(everyFlag, argv).find((t) => t.kind === "positional");
    if (!first) {
        if (wantsHelp(everyFlag, argv)) return { kind: "help" };
        throw new UsageError(`no command given; commands: ${names}`);
    }
    if (!Object.hasOwn(group.subcommands, first.value)) throw new UsageError(`unknown command ${JSON.stringify(first.value)}; commands: ${names}`);
    const command = group.subcommands[first.value]!;
    const rest = argv.filter((_, i) => i !== first.index);
    const parsed = parse(command, rest);
    return parsed.help ? { kind: "help", command } : { kind: "run", command, parsed };
}
