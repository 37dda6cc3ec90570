/**
 * Flags, declared: each entry point lists its flags as `name: builder(...)` lines, and the parser
 * (cli/command.ts), the --help text (cli/usage.ts) and the README's command reference
 * (cli/reference.ts) all read the same declaration. A builder knows how to turn the text a user
 * typed into a value, and says in words what it accepts; that sentence appears in --help and in
 * the one-line error for a bad value.
 */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** A value the flag does not accept; the message adds detail to the flag's `allowed` sentence. */
export class Invalid extends Error {}

export interface FlagSpec<T> {
    readonly kind: "string" | "boolean";
    readonly description: string;
    /** How the value shows in usage lines, e.g. `<s>`. */
    readonly placeholder: string;
    /** What the flag accepts, in words ("whole seconds from 1 to 300"); a function when known only at run time. */
    readonly allowed?: string | (() => string);
    readonly parse: (raw: string) => T;
    readonly default?: T;
    /** How the default shows in --help when it is not a plain value ("$RELEASE_VERSION, then $CI_COMMIT_SHA"). */
    readonly defaultText?: string;
    readonly required?: boolean;
    readonly repeatable?: boolean;
}

/**
 * One declared flag. `V` is what the command receives: `T | undefined` unless the flag has a
 * default or is required, `T[]` when repeatable.
 */
export class Flag<T, V = T | undefined> {
    declare readonly value: V;
    constructor(readonly spec: FlagSpec<T>) {}

    /** Used when the flag is absent; `shown` replaces the value in --help. */
    default(value: T, shown?: string): Flag<T, T> {
        return new Flag({ ...this.spec, default: value, defaultText: shown });
    }
    /** Documents a default the command computes itself (from the environment, the repository). */
    defaultsTo(text: string): Flag<T, V> {
        return new Flag({ ...this.spec, defaultText: text });
    }
    required(): Flag<T, T> {
        return new Flag({ ...this.spec, required: true });
    }
    /** May be given several times; the command receives every value, in order. */
    repeatable(): Flag<T, T[]> {
        return new Flag({ ...this.spec, repeatable: true });
    }
}

export const allowedText = (spec: FlagSpec<unknown>): string | undefined => (typeof spec.allowed === "function" ? spec.allowed() : spec.allowed);

export type AnyFlag = Flag<any, any>;
export type Flags = Record<string, AnyFlag>;
export type Values<F extends Flags> = { [K in keyof F]: F[K]["value"] };

/** A flag that is on when given: `--json`. */
export function toggle(description: string): Flag<boolean, boolean> {
    return new Flag({ kind: "boolean", description, placeholder: "", parse: () => true, default: false });
}

/** Free text, optionally held to a pattern. */
export function text(description: string, options: { placeholder?: string; pattern?: RegExp; allowed?: string } = {}): Flag<string> {
    const { pattern, allowed } = options;
    return new Flag({
        kind: "string",
        description,
        placeholder: options.placeholder ?? "<text>",
        allowed,
        parse: (raw) => {
            if (raw === "" || (pattern && !pattern.test(raw))) throw new Invalid();
            return raw;
        },
    });
}

/** One of a fixed list, or of a list known only at run time (the stacks in the repository). */
export function oneOf<T extends string>(values: readonly T[] | (() => readonly T[]), description: string, placeholder = "<name>"): Flag<T> {
    const list = () => (typeof values === "function" ? values() : values);
    return new Flag({
        kind: "string",
        description,
        placeholder,
        allowed: () => {
            const all = list();
            return all.length > 1 ? `${all.slice(0, -1).join(", ")} or ${all.at(-1)}` : (all[0] ?? "(none)");
        },
        parse: (raw) => {
            if (!list().includes(raw as T)) throw new Invalid();
            return raw as T;
        },
    });
}

function wholeNumber(raw: string, min: number, max: number): number {
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) throw new Invalid();
    return value;
}

/** A whole number within bounds. */
export function integer(description: string, bounds: { min: number; max: number; placeholder?: string; allowed?: string }): Flag<number> {
    const { min, max } = bounds;
    return new Flag({
        kind: "string",
        description,
        placeholder: bounds.placeholder ?? "<n>",
        allowed: bounds.allowed ?? `a whole number from ${min} to ${max}`,
        parse: (raw) => wholeNumber(raw, min, max),
    });
}

/** Whole seconds within bounds. */
export const seconds = (description: string, { min, max }: { min: number; max: number }) =>
    integer(description, { min, max, placeholder: "<s>", allowed: `whole seconds from ${min} to ${max}` });

/** Comma-separated whole numbers within bounds, e.g. `10,50,100`; `ascending` requires each above the last. */
export function integerList(description: string, bounds: { min: number; max: number; ascending?: boolean; example: string }): Flag<number[]> {
    const { min, max, ascending, example } = bounds;
    return new Flag({
        kind: "string",
        description,
        placeholder: "<n,n,...>",
        allowed: `${ascending ? "ascending " : ""}whole numbers from ${min} to ${max}, comma-separated (like ${example})`,
        parse: (raw) => {
            const numbers = raw.split(",").map((part) => wholeNumber(part, min, max));
            if (ascending && numbers.some((n, i) => i > 0 && n <= numbers[i - 1]!)) throw new Invalid();
            return numbers;
        },
    });
}

/**
 * Paths are taken relative to the directory the user typed the command in: `npm run` moves to the
 * package root and keeps that directory in INIT_CWD.
 */
export const userPath = (raw: string) => resolve(process.env.INIT_CWD ?? process.cwd(), raw);

/** A file the command reads: checked readable now, before anything else runs. `-` may mean standard input. */
export function inputFile(description: string, options: { placeholder?: string; stdin?: boolean } = {}): Flag<string> {
    return new Flag({
        kind: "string",
        description,
        placeholder: options.placeholder ?? "<file>",
        allowed: `a readable file${options.stdin ? ", or - for standard input" : ""}`,
        parse: (raw) => {
            if (options.stdin && raw === "-") return raw;
            const path = userPath(raw);
            try {
                if (!statSync(path).isFile()) throw new Invalid("not a file");
                accessSync(path, constants.R_OK);
            } catch (e) {
                throw e instanceof Invalid ? e : new Invalid((e as NodeJS.ErrnoException).code ?? (e as Error).message);
            }
            return path;
        },
    });
}

/**
 * A file the command writes: its directory must already exist and be writable. A typo in a
 * directory name is refused rather than created.
 */
export function outputFile(description: string, options: { placeholder?: string } = {}): Flag<string> {
    return new Flag({
        kind: "string",
        description,
        placeholder: options.placeholder ?? "<file>",
        allowed: "a file path in an existing, writable directory",
        parse: (raw) => {
            const path = userPath(raw);
            const directory = dirname(path);
            try {
                if (!statSync(directory).isDirectory()) throw new Invalid(`${directory} is not a directory`);
                accessSync(directory, constants.W_OK);
            } catch (e) {
                if (e instanceof Invalid) throw e;
                const code = (e as NodeJS.ErrnoException).code;
                throw new Invalid(code === "ENOENT" ? `${directory} does not exist` : `${directory}: ${code ?? (e as Error).message}`);
            }
            let existing;
            try {
                existing = statSync(path);
            } catch {
                return path;
            }
            if (existing.isDirectory()) throw new Invalid(`${path} is a directory`);
            return path;
        },
    });
}
