/**
 * `npm run outputs:dotenv -- [--input <file>] --output <file>`: converts
 * `pulumi stack output --json` (from --input, or standard input) into the dotenv report later
 * pipeline jobs read. The file appears whole or not at all.
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { command } from "../cli/command";
import { inputFile, outputFile, type Values } from "../cli/flags";
import { CommandFailure, exitWith, processIo, runCommand } from "../cli/run";
import { DotenvError, stackOutputsToDotenv } from "./dotenv";

export interface DotenvCliDeps {
  readStdin: () => Promise<string>;
  log: (line: string) => void;
  error: (line: string) => void;
}

export const OUTPUTS_DOTENV = command({
  name: "outputs:dotenv",
  invocation: "npm run outputs:dotenv --",
  summary: "Turn `pulumi stack output --json` into the dotenv report the pipeline's later jobs read, refusing what GitLab would misread.",
  flags: {
    input: inputFile("the stack outputs as `pulumi stack output --json` prints them", { placeholder: "<outputs.json>", stdin: true }).default("-", "- (standard input)"),
    output: outputFile("the dotenv file to write (whole or not at all)", { placeholder: "<file.env>" }).required(),
  },
  exitCodes: { 0: "written", 1: "refused: the outputs break GitLab's dotenv rules; nothing written", 2: "bad usage, or input that is not readable JSON" },
});

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

async function convert({ input, output }: Values<typeof OUTPUTS_DOTENV.flags>, deps: DotenvCliDeps): Promise<number> {
  let outputs: unknown;
  try {
    outputs = JSON.parse(input === "-" ? await deps.readStdin() : await readFile(input, "utf8"));
  } catch (error) {
    throw new CommandFailure(`cannot read stack outputs from ${input === "-" ? "standard input" : input}: ${(error as Error).message}`, 2);
  }
  let dotenv: string;
  try {
    dotenv = stackOutputsToDotenv(outputs);
  } catch (error) {
    if (error instanceof DotenvError) throw new CommandFailure(`${error.message}\n  ${output} was not written`, 1);
    throw error;
  }
  await writeWhole(output, dotenv);
  deps.log(`outputs:dotenv: wrote ${dotenv.split("\n").length - 1} variables (${Buffer.byteLength(dotenv)} bytes) to ${output}`);
  return 0;
}

export function outputsToDotenvCli(argv: string[], deps: DotenvCliDeps): Promise<number> {
  return runCommand(OUTPUTS_DOTENV, argv, (values) => convert(values, deps), { io: { out: deps.log, err: deps.error } });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

if (require.main === module) exitWith(outputsToDotenvCli(process.argv.slice(2), { readStdin, log: processIo.out, error: processIo.err }));
