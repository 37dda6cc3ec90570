/**
 * Results computed once per key and kept for the process: the IAM data a policy reads (a
 * service's resource types, an action pattern's expansion) does not change while the pack runs,
 * and every stack evaluation asks for the same few services and patterns again.
 */

/**
 * `compute`, remembered per key (by default the argument itself). An async `compute` is
 * remembered as its promise, so callers asking at the same time share one computation.
 */
export function memoize<T>(compute: (arg: string) => T, keyOf: (arg: string) => string = (arg) => arg): (arg: string) => T {
    const results = new Map<string, T>();
    return (arg) => {
        const key = keyOf(arg);
        if (results.has(key)) return results.get(key)!;
        const result = compute(arg);
        results.set(key, result);
        return result;
    };
}

/** For names AWS compares in any letter case (services, actions). */
export const ignoringCase = (arg: string) => arg.toLowerCase();
