/**
 * `npm run outputs:dotenv -- [--input <file>] --output <file>`: converts
 * `pulumi stack output --json` (from --input, or standard input) into the dotenv report later
 * pipeline jobs read. Exit 0 written; 1 refused (the outputs break GitLab's dotenv rules, nothing
 * written); 2 bad usage or unreadable/invalid JSON input. The file appears whole or not at all.
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { DotenvError, stackOutputsToDotenv } from "./dotenv";

export interface DotenvCliDeps {
  readStdin: () => Promise<string>;
  log: (line: string) => void;
  error: (line: string) => void;
}

const USAGE = "usage: npm run outputs:dotenv -- [--input <outputs.json>] --output <file.env>";

/** Writes next to the target, then renames: a crash or a refusal never leaves a partial report. */
async function writeWhole(path: string, text: string) {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temporary, text, { encoding: "utf8", mode: 0o644 });
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

export async function outputsToDotenvCli(argv: string[], deps: DotenvCliDeps): Promise<number> {
  let input: string | undefined;
  let output: string | undefined;
  try {
    ({ values: { input, output } } = parseArgs({ args: argv, options: { input: { type: "string" }, output: { type: "string" } } }));
  } catch (error) {
    deps.error(`outputs:dotenv: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!output) {
    deps.error(`outputs:dotenv: --output is required\n${USAGE}`);
    return 2;
  }
  let outputs: unknown;
  try {
    const text = input && input !== "-" ? await readFile(input, "utf8") : await deps.readStdin();
    outputs = JSON.parse(text);
  } catch (error) {
    deps.error(`outputs:dotenv: cannot read stack outputs from ${input ?? "standard input"}: ${(error as Error).message}`);
    return 2;
  }
  try {
    const dotenv = stackOutputsToDotenv(outputs);
    await writeWhole(output, dotenv);
    deps.log(`outputs:dotenv: wrote ${dotenv.split("\n").length - 1} variables (${Buffer.byteLength(dotenv)} bytes) to ${output}`);
    return 0;
  } catch (error) {
    if (!(error instanceof DotenvError)) throw error;
    deps.error(`outputs:dotenv: ${error.message}\n  ${output} was not written`);
    return 1;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

if (require.main === module) {
  outputsToDotenvCli(process.argv.slice(2), { readStdin, log: console.log, error: console.error }).then((code) => {
    process.exitCode = code;
  });
}
