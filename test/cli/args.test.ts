/** The argument layer in-process: parsing rules, help, and how failures reach the user. */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { command, parse, UsageError } from "../../cli/command";
import { inputFile, integer, integerList, oneOf, outputFile, text, toggle } from "../../cli/flags";
import { CommandFailure, runCommand } from "../../cli/run";
import { commandHelp } from "../../cli/usage";

const tmp = mkdtempSync(join(tmpdir(), "bluegreen-args-"));
const existing = join(tmp, "in.json");
writeFileSync(existing, "{}");
mkdirSync(join(tmp, "dir"));

const DEMO = command({
    name: "demo",
    invocation: "npm run demo --",
    summary: "A command for the tests.",
    flags: {
        count: integer("how many", { min: 1, max: 9 }).default(3),
        steps: integerList("steps", { min: 1, max: 100, ascending: true, example: "10,50" }),
        color: oneOf(["blue", "green"], "a color"),
        tag: text("a tag").repeatable(),
        name: text("a name", { pattern: /^[a-z]+$/, allowed: "lower-case letters" }).required(),
        input: inputFile("read this"),
        out: outputFile("write here"),
        json: toggle("as JSON"),
    },
    exitCodes: { 0: "fine", 2: "bad usage" },
});

const values = (...argv: string[]) => parse(DEMO, argv).values;
const refusal = (...argv: string[]) => {
    try {
        parse(DEMO, argv);
    } catch (e) {
        if (e instanceof UsageError) return e.message;
        throw e;
    }
    throw new Error(`accepted: ${argv.join(" ")}`);
};

async function run(argv: string[], body: () => Promise<number>) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCommand(DEMO, argv, body, { io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("cli: the argument layer", () => {
    after(() => rmSync(tmp, { recursive: true, force: true }));

    it("parses --flag value and --flag=value, applies defaults and collects a repeatable flag in order", () => {
        expect(values("--name", "x", "--tag=a", "--tag", "b", "--steps", "10,50", "--json")).to.deep.include({
            name: "x",
            count: 3,
            steps: [10, 50],
            tag: ["a", "b"],
            json: true,
            color: undefined,
        });
        expect(values("--name", "x").tag).to.deep.equal([]);
    });

    const refused: [string[], RegExp][] = [
        [["--name", "x", "--count", "0"], /^--count must be a whole number from 1 to 9; got "0"$/],
        [["--name", "x", "--count", "1.5"], /^--count must be a whole number from 1 to 9; got "1.5"$/],
        [["--name", "x", "--steps", "50,10"], /^--steps must be ascending whole numbers from 1 to 100, comma-separated \(like 10,50\); got "50,10"$/],
        [["--name", "x", "--color", "red"], /^--color must be blue or green; got "red"$/],
        [["--name", "X"], /^--name must be lower-case letters; got "X"$/],
        [[], /^--name is required: <text>, lower-case letters$/],
        [["--name", "x", "--name", "y"], /^--name given 2 times \("x", "y"\); it takes one value$/],
        [["--name", "x", "--json", "--json"], /^--json given 2 times/],
        [["--name"], /^--name needs a value: <text>, lower-case letters$/],
        [["--name", "--json"], /^--name needs a value/],
        [["--name", "x", "--json=no"], /^--json takes no value; got "--json=no"$/],
        [["--name", "x", "--constructor"], /^unknown flag --constructor; demo takes --count, --steps, --color, --tag, --name, --input, --out, --json, --debug, --help$/],
        [["--name", "x", "-x"], /^unknown flag -x/],
        [["--name", "x", "stray"], /^unexpected argument "stray"; it takes only flags/],
        [["--name", "x", "--input", join(tmp, "missing.json")], /^--input must be a readable file; got ".*missing\.json" \(ENOENT\)$/],
        [["--name", "x", "--input", tmp], /^--input must be a readable file; got ".*" \(not a file\)$/],
        [["--name", "x", "--out", join(tmp, "nope", "x.txt")], /^--out must be a file path in an existing, writable directory; got ".*nope\/x\.txt" \(.*nope does not exist\)$/],
        [["--name", "x", "--out", join(tmp, "dir")], /^--out must be .*; got ".*dir" \(.*dir is a directory\)$/],
        [["--name", "x", "--out", join(existing, "x.txt")], /in\.json is not a directory\)$/],
    ];
    for (const [argv, message] of refused) {
        it(`refuses ${argv.join(" ") || "(nothing)"} in one line`, () => {
            const text = refusal(...argv);
            expect(text).to.match(message);
            expect(text).to.not.include("\n");
        });
    }

    it("takes relative paths from the directory npm was started in (INIT_CWD), not the package root", () => {
        const saved = process.env.INIT_CWD;
        process.env.INIT_CWD = tmp;
        try {
            expect(values("--name", "x", "--input", "in.json", "--out", "new.txt")).to.deep.include({ input: existing, out: join(tmp, "new.txt") });
        } finally {
            if (saved === undefined) delete process.env.INIT_CWD;
            else process.env.INIT_CWD = saved;
        }
    });

    it("answers --help even when other flags are wrong, listing every flag with its allowed values and default", async () => {
        const r = await run(["--count", "0", "--help"], async () => 0);
        expect(r.code).to.equal(0);
        expect(r.out).to.equal(commandHelp(DEMO));
        expect(r.out).to.include("usage: npm run demo -- [--count <n>] [--steps <n,n,...>] [--color <name>] [--tag <text>]... --name <text>");
        expect(r.out).to.match(/--count <n> +how many\n +allowed: a whole number from 1 to 9\n +default: 3/);
        expect(r.out).to.match(/--color <name> +a color\n +allowed: blue or green\n/);
        expect(r.out).to.match(/-h, --help/);
        expect(r.out).to.include("exit codes:\n  0  fine\n  2  bad usage");
    });

    it("does not run the command on bad usage", async () => {
        let ran = false;
        const r = await run(["--count", "x"], async () => ((ran = true), 0));
        expect(r).to.deep.include({ code: 2, out: "" });
        expect(r.err).to.equal('demo: --count must be a whole number from 1 to 9; got "x"');
        expect(ran).to.equal(false);
    });

    it("prints an expected failure's message as it is, with its exit code", async () => {
        const r = await run(["--name", "x"], async () => {
            throw new CommandFailure("the build failed:\n  appspec.yml: no hooks", 1);
        });
        expect(r).to.deep.include({ code: 1, err: "demo: the build failed:\n  appspec.yml: no hooks" });
    });

    it("prints an unexpected error in one line, with its causes and a hint to use --debug; no stack trace", async () => {
        const boom = async () => {
            throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }) });
        };
        const r = await run(["--name", "x"], boom);
        expect(r.code).to.equal(1);
        expect(r.err).to.equal(
            "demo: TypeError: fetch failed\n  caused by Error: connect ECONNREFUSED 127.0.0.1:1 (ECONNREFUSED)\ndemo: unexpected error; re-run with --debug for the stack trace",
        );
        const debug = await run(["--name", "x", "--debug"], boom);
        expect(debug.code).to.equal(1);
        expect(debug.err).to.match(/^demo: TypeError: fetch failed\n\s+at /);
        expect(debug.err).to.include("[cause]: Error: connect ECONNREFUSED");
    });
});
