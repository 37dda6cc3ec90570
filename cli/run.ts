/**
 * Runs a command the way every entry point does: --help prints the usage and exits 0; bad usage
 * prints one line and exits 2 before the command does anything; an expected failure prints its
 * message and exits with its code; anything else prints one line (plus its causes) and a hint to
 * re-run with --debug, which prints the stack trace instead, and exits 1.
 */
import { inspect } from "node:util";
import { type Command, type CommandGroup, parse, parseGroup, UsageError } from "./command";
import type { Flags, Values } from "./flags";
import { commandHelp, groupHelp } from "./usage";

export const EXIT_OK = 0;
export const EXIT_UNEXPECTED = 1;
export const EXIT_USAGE = 2;

/** An expected failure: its message is for the user as it stands (it may span lines). */
export class CommandFailure extends Error {
    constructor(
        message: string,
        readonly exitCode: number,
    ) {
        super(message);
    }
}

export interface Io {
    /** Help text (stdout). */
    out(text: string): void;
    /** Usage errors and failures (stderr). */
    err(text: string): void;
}

export const processIo: Io = { out: (text) => console.log(text), err: (text) => console.error(text) };

/** The causes behind an error, one line each: fetch says only "fetch failed" and keeps the reason (ECONNREFUSED, TLS) in `cause`. */
function causeChain(error: Error): string {
    let text = "";
    for (let cause = error.cause, depth = 0; cause !== undefined && depth < 5; cause = (cause as Error).cause, depth++) {
        const c = cause as Error & { code?: unknown };
        text += `\n  caused by ${c instanceof Error ? `${c.name}: ${c.message}` : String(c)}${c.code ? ` (${String(c.code)})` : ""}`;
    }
    return text;
}

function reportFailure(name: string, error: unknown, debug: boolean, report: (text: string) => void): number {
    if (error instanceof UsageError) {
        report(`${error.command ?? name}: ${error.message}`);
        return EXIT_USAGE;
    }
    if (error instanceof CommandFailure) {
        report(`${name}: ${error.message}`);
        return error.exitCode;
    }
    if (debug) {
        report(`${name}: ${inspect(error, { depth: 4 })}`);
        return EXIT_UNEXPECTED;
    }
    // AWS errors keep their name (AccessDenied, ThrottlingException): the runbook keys on it.
    const summary = error instanceof Error ? `${error.name}: ${error.message}${causeChain(error)}` : String(error);
    report(`${name}: ${summary}\n${name}: unexpected error; re-run with --debug for the stack trace`);
    return EXIT_UNEXPECTED;
}

export interface RunOptions {
    io?: Io;
    /** Where a failure of the command itself goes, if not io.err (the release tool stamps the time). */
    report?: (text: string) => void;
}

/** What a command line asks for: a help text to print, or a command to run. */
type Invocation = { help: string } | { name: string; debug: boolean; run: () => Promise<number> };

/** The one protocol of every entry point: bad usage on err (exit 2), help on out (exit 0), else the command and its failure report. */
async function execute(name: string, invoke: () => Invocation, options: RunOptions): Promise<number> {
    const io = options.io ?? processIo;
    let invocation: Invocation;
    try {
        invocation = invoke();
    } catch (error) {
        return reportFailure(name, error, false, io.err);
    }
    if ("help" in invocation) {
        io.out(invocation.help);
        return EXIT_OK;
    }
    try {
        return await invocation.run();
    } catch (error) {
        return reportFailure(invocation.name, error, invocation.debug, options.report ?? io.err);
    }
}

export function runCommand<F extends Flags>(command: Command<F>, argv: string[], body: (values: Values<F>) => Promise<number>, options: RunOptions = {}): Promise<number> {
    return execute(
        command.name,
        () => {
            const parsed = parse(command, argv);
            return parsed.help ? { help: commandHelp(command) } : { name: command.name, debug: parsed.debug, run: () => body(parsed.values) };
        },
        options,
    );
}

export function runGroup(group: CommandGroup, argv: string[], body: (command: Command<any>, values: Values<Flags>) => Promise<number>, options: RunOptions = {}): Promise<number> {
    return execute(
        group.name,
        () => {
            const outcome = parseGroup(group, argv);
            if (outcome.kind === "help") return { help: outcome.command ? commandHelp(outcome.command) : groupHelp(group) };
            return { name: outcome.command.name, debug: outcome.parsed.debug, run: () => body(outcome.command, outcome.parsed.values) };
        },
        options,
    );
}

/** The end of an entry file: the command's exit code becomes the process's. */
export function exitWith(code: Promise<number>): void {
    void code.then((c) => {
        process.exitCode = c;
    });
}
