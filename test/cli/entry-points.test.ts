/**
 * Every entry point as a user meets it: a child process started the way its npm script starts it
 * (`tsx <file>`), with --help and with each class of bad usage. The processes run a few at a time
 * in `before`; each case then checks the exit code, that bad usage is answered in exactly one
 * line naming the flag and the value, and that no stack trace reaches the user.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Command, CommandGroup } from "../../cli/command";
import { commandHelp, groupHelp } from "../../cli/usage";
import { PIPELINE_OUTPUT_NAMES } from "../../infra/outputs";
import { main as release, RELEASE } from "../../release/cli";
import { COMMANDS } from "../../scripts/command-reference";

const ROOT = resolve(__dirname, "../..");
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const tmp = mkdtempSync(join(tmpdir(), "bluegreen-cli-"));
const emptyExport = join(tmp, "empty.export.json");
writeFileSync(emptyExport, JSON.stringify({ version: 3, deployment: { manifest: {}, resources: [] } }));

/** No stack outputs, no release version, nothing npm set: what a fresh terminal has. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    const unset = new Set<string>([...PIPELINE_OUTPUT_NAMES, "RELEASE_VERSION", "CI_COMMIT_SHA", "INIT_CWD"]);
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !unset.has(name) && !name.startsWith("npm_")));
    return { ...env, ...extra };
}

/** The file an npm script runs with tsx: `tsx scripts/plan.ts` → scripts/plan.ts. */
function entryFile(script: string): string {
    const match = /^tsx (\S+\.ts)$/.exec(SCRIPTS[script] ?? "");
    if (!match) throw new Error(`npm script ${script} is not "tsx <file>": ${SCRIPTS[script]}`);
    return match[1]!;
}

interface Outcome {
    code: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

function runEntry(script: string, argv: string[], env: Record<string, string> = {}): Promise<Outcome> {
    const started = Date.now();
    return new Promise((done, fail) => {
        const child = spawn(process.execPath, ["--import", "tsx", entryFile(script), ...argv], { cwd: ROOT, env: cleanEnv(env) });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
        child.on("error", fail);
        child.on("close", (code) => {
            clearTimeout(timer);
            done({ code, stdout, stderr, ms: Date.now() - started });
        });
    });
}

interface Case {
    script: string;
    argv: string[];
    env?: Record<string, string>;
    /** Bad usage: the one line the user sees on stderr. */
    line?: RegExp;
    /** --help: what stdout must be. */
    help?: string;
    /** Checked after the run, e.g. that no directory was created. */
    after?: () => void;
}

const helpOf = (entry: Command<any> | CommandGroup) => ("subcommands" in entry ? groupHelp(entry) : commandHelp(entry));

// Every command's --help; of the release subcommands one runs as a process (the wiring is
// shared), the others in-process below.
const helpCases: Case[] = [
    ...Object.entries(COMMANDS).map(([script, entry]) => ({ script, argv: ["--help"], help: helpOf(entry) })),
    { script: "release", argv: ["deploy", "--help"], help: commandHelp(RELEASE.subcommands.deploy) },
];

const usageCases: Case[] = [
    // unknown stack: refused before "running the nope program"
    { script: "plan", argv: ["--stack", "nope"], line: /^plan: --stack must be production or staging; got "nope"$/ },
    { script: "plan", argv: ["--stak", "staging"], line: /^plan: unknown flag --stak; plan takes --stack, --debug, --help$/ },
    { script: "plan", argv: ["--stack", "staging", "--debug=1"], line: /^plan: --debug takes no value; got "--debug=1"$/ },
    // `npm run plan --stack nope`: npm keeps --stack (npm_config_stack) and passes only "nope"
    { script: "plan", argv: ["nope"], env: { npm_config_stack: "true" }, line: /^plan: unexpected argument "nope"; npm took --stack for itself: put the flags after --/ },
    { script: "policy:check", argv: [], line: /^policy:check: give exactly one of --stack or --stack-export$/ },
    { script: "policy:check", argv: ["--stack", "staging", "--stack", "production"], line: /^policy:check: --stack given 2 times \("staging", "production"\); it takes one value$/ },
    { script: "policy:check", argv: ["--stack-export", "nope.json"], line: /^policy:check: --stack-export must be a readable file; got "nope.json" \(ENOENT\)$/ },
    { script: "policy:check", argv: ["--stack-export", emptyExport], line: /^policy:check: stack export .*empty\.export\.json has no resources: nothing to check/ },
    { script: "bundle", argv: ["--version"], line: /^bundle: --version needs a value: <v>, 1 to 128 characters of A-Z a-z 0-9/ },
    { script: "bundle", argv: ["--version", "bad version/x"], line: /^bundle: --version must be 1 to 128 characters of .*; got "bad version\/x"$/ },
    {
        script: "bundle",
        argv: ["--out", "/nonexistent/r.zip"],
        line: /^bundle: --out must be a file path in an existing, writable directory; got "\/nonexistent\/r.zip" \(\/nonexistent does not exist\)$/,
        after: () => expect(existsSync("/nonexistent"), "a directory was created").to.equal(false),
    },
    { script: "outputs:dotenv", argv: ["--output", "/nonexistent-dir/x.env"], line: /^outputs:dotenv: --output must be .*; got "\/nonexistent-dir\/x.env" \(\/nonexistent-dir does not exist\)$/ },
    { script: "outputs:dotenv", argv: [], line: /^outputs:dotenv: --output is required: <file.env>/ },
    { script: "outputs:dotenv", argv: ["--input", "missing.json", "--output", join(tmp, "x.env")], line: /^outputs:dotenv: --input must be a readable file, or - for standard input; got "missing.json" \(ENOENT\)$/ },
    { script: "release", argv: [], line: /^release: no command given; commands: status, upload, deploy, verify, switch, rollback, watch$/ },
    { script: "release", argv: ["launch"], line: /^release: unknown command "launch"; commands: / },
    // flags before the environment: no stack outputs are set in these runs
    { script: "release", argv: ["switch", "--steps", "10,abc"], line: /^release switch: --steps must be ascending whole numbers from 1 to 100, comma-separated \(like 10,50,100\); got "10,abc"$/ },
    { script: "release", argv: ["deploy", "--revision", "s3://b/k.zip", "--poll", "0"], line: /^release deploy: --poll must be whole seconds from 1 to 300; got "0"$/ },
    { script: "release", argv: ["upload", "--bundle", "nope.zip", "--revision", "s3://b/k.zip"], line: /^release upload: --bundle must be a readable file; got "nope.zip" \(ENOENT\)$/ },
    { script: "bench:policy", argv: ["--sizes", "100,abc"], line: /^bench:policy: --sizes must be whole numbers from 1 to 100000, comma-separated .*; got "100,abc"$/ },
    { script: "bench:policy", argv: ["--runs", "0"], line: /^bench:policy: --runs must be a whole number from 1 to 50; got "0"$/ },
    { script: "bench:release", argv: ["--releases", "0"], line: /^bench:release: --releases must be a whole number from 1 to 100; got "0"$/ },
    { script: "bench:release", argv: ["--json=yes"], line: /^bench:release: --json takes no value; got "--json=yes"$/ },
    { script: "bench:chart", argv: ["--out", "/nonexistent/x.svg"], line: /^bench:chart: --out must be .*; got "\/nonexistent\/x.svg" \(\/nonexistent does not exist\)$/ },
    { script: "docs:commands", argv: ["--check"], line: /^docs:commands: unknown flag --check; docs:commands takes --debug, --help$/ },
];

const STACK_FRAME = /^\s+at .+[:(]/m;

describe("every entry point: --help and bad usage, as child processes", function () {
    this.timeout(180_000);
    const cases = [...helpCases, ...usageCases];
    const outcomes = new Map<Case, Outcome>();

    before(async () => {
        // A few at a time: the machine has 2 cores and other suites run beside this one.
        const queue = [...cases];
        const worker = async () => {
            for (let next = queue.shift(); next; next = queue.shift()) outcomes.set(next, await runEntry(next.script, next.argv, next.env));
        };
        await Promise.all(Array.from({ length: 4 }, worker));
    });

    after(() => rmSync(tmp, { recursive: true, force: true }));

    it("covers every npm script that runs an entry point", () => {
        const entryScripts = Object.keys(SCRIPTS).filter((name) => /^tsx /.test(SCRIPTS[name]!));
        expect(Object.keys(COMMANDS).sort()).to.deep.equal(entryScripts.sort());
    });

    for (const c of helpCases) {
        it(`${c.script} ${c.argv.join(" ")}: prints the declared usage and exits 0`, () => {
            const r = outcomes.get(c)!;
            expect(r.code, r.stderr).to.equal(0);
            expect(r.stdout).to.equal(`${c.help}\n`);
            expect(r.stderr).to.equal("");
        });
    }

    for (const [name, sub] of Object.entries(RELEASE.subcommands)) {
        it(`release ${name} --help (in-process): prints the declared usage, no timestamp, exit 0`, async () => {
            const out: string[] = [];
            const stamped: string[] = [];
            const code = await release([name, "--help"], { env: {}, log: (l) => stamped.push(l), error: (l) => stamped.push(l), io: { out: (t) => out.push(t), err: (t) => stamped.push(t) } });
            expect(code).to.equal(0);
            expect(out).to.deep.equal([commandHelp(sub)]);
            expect(stamped).to.deep.equal([]);
        });
    }

    for (const c of usageCases) {
        it(`${c.script} ${c.argv.join(" ")}: one line, exit 2`, () => {
            const r = outcomes.get(c)!;
            expect(r.code, r.stderr).to.equal(2);
            expect(r.stderr).to.not.match(STACK_FRAME);
            const lines = r.stderr.split("\n").filter((l) => l !== "");
            expect(lines, r.stderr).to.have.length(1);
            expect(lines[0]).to.match(c.line!);
            expect(r.stdout).to.equal("");
            c.after?.();
        });
    }
});
