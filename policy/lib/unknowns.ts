/**
 * Values unknown during preview, inside a stack policy that judges many items. Reading one throws
 * @pulumi/policy's UnknownValueError, which the analyzer turns into an advisory "can't run …
 * during preview" for the whole policy. A policy that judges many documents catches the read for
 * one item, goes on judging the rest (reporting what it can decide), and rethrows the first such
 * error at the end: nothing unknown passes silently, and nothing known is hidden by it.
 */

// eslint-disable-next-line @typescript-eslint/no-require-imports -- @pulumi/policy's proxy module (no typings): the sentinel it treats as unknown and the error its unknown-checking proxy throws
const proxy = require("@pulumi/policy/proxy") as { unknownStringValue: string; UnknownValueError: new (...args: unknown[]) => Error };
const { UnknownValueError } = proxy;

/** The sentinel the engine sends for a value not known until the update (any type). */
export const UNKNOWN = proxy.unknownStringValue;

export class Unknowns {
    private first: Error | undefined;

    /** Runs `read`; undefined (and remembered) when it touched an unknown value. */
    attempt<T>(read: () => T): T | undefined {
        try {
            return read();
        } catch (e) {
            if (!(e instanceof UnknownValueError)) throw e;
            this.first ??= e;
            return undefined;
        }
    }

    /** Marks a decision that needed something unknown. */
    needed(because: Error | undefined): void {
        this.first ??= because;
    }

    get error(): Error | undefined {
        return this.first;
    }

    /** At the end of the policy: turn the first unknown read into the analyzer's advisory. */
    rethrow(): void {
        if (this.first) throw this.first;
    }
}
