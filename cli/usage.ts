/** The --help text of a command or command group, written from its declaration. */
import { type Command, type CommandGroup, COMMON_FLAGS, type ExitCodes } from "./command";
import { type AnyFlag, allowedText, type Flags } from "./flags";

/** `--timeout <s>`, as the flag is typed. */
export const flagSyntax = (name: string, flag: AnyFlag) => `--${name}${flag.spec.placeholder ? ` ${flag.spec.placeholder}` : ""}`;

/** The default as --help shows it, if there is one worth showing (not a toggle's `false`). */
export function defaultText(flag: AnyFlag): string | undefined {
    const { spec } = flag;
    if (spec.defaultText !== undefined) return spec.defaultText;
    if (spec.default === undefined || spec.kind === "boolean") return undefined;
    return Array.isArray(spec.default) ? spec.default.join(",") : String(spec.default);
}

/** `usage: npm run bundle -- [--out <file>] [--version <v>]` */
export function usageLine(command: Command<any>): string {
    const parts = Object.entries(command.flags as Flags).map(([name, flag]) => {
        const syntax = flagSyntax(name, flag);
        return `${flag.spec.required ? syntax : `[${syntax}]`}${flag.spec.repeatable ? "..." : ""}`;
    });
    return `usage: ${[command.invocation, ...parts].join(" ")}`;
}

function flagLines(flags: Flags): string[] {
    const all = Object.entries({ ...flags, ...COMMON_FLAGS });
    const width = Math.max(...all.map(([name, flag]) => flagSyntax(name, flag).length + (name === "help" ? 4 : 0))) + 2;
    const lines: string[] = [];
    for (const [name, flag] of all) {
        const syntax = name === "help" ? `-h, ${flagSyntax(name, flag)}` : flagSyntax(name, flag);
        lines.push(`  ${syntax.padEnd(width)}${flag.spec.required ? "required. " : ""}${flag.spec.description}`);
        const allowed = allowedText(flag.spec);
        const facts = [
            allowed !== undefined ? `allowed: ${allowed}${flag.spec.repeatable ? " (may be repeated)" : ""}` : undefined,
            defaultText(flag) !== undefined ? `default: ${defaultText(flag)}` : undefined,
        ];
        for (const fact of facts) if (fact !== undefined) lines.push(`  ${" ".repeat(width)}${fact}`);
    }
    return lines;
}

const exitCodeLines = (codes: ExitCodes) => Object.entries(codes).map(([code, meaning]) => `  ${code}  ${meaning}`);

export function commandHelp(command: Command<any>): string {
    return [
        usageLine(command),
        "",
        command.summary,
        "",
        "flags:",
        ...flagLines(command.flags),
        ...(command.notes?.length ? ["", ...command.notes] : []),
        "",
        "exit codes:",
        ...exitCodeLines(command.exitCodes),
    ].join("\n");
}

export function groupHelp(group: CommandGroup): string {
    const names = Object.keys(group.subcommands);
    const width = Math.max(...names.map((n) => n.length)) + 2;
    return [
        `usage: ${group.invocation} <command> [flags]`,
        "",
        group.summary,
        "",
        "commands:",
        ...names.map((name) => `  ${name.padEnd(width)}${group.subcommands[name]!.summary}`),
        "",
        `${group.invocation} <command> --help shows a command's flags, their defaults and allowed values.`,
        ...(group.notes?.length ? ["", ...group.notes] : []),
        "",
        "exit codes:",
        ...exitCodeLines(group.exitCodes),
    ].join("\n");
}
