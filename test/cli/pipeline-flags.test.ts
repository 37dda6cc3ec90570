/** The pipeline calls the commands with flags they declare: a renamed flag cannot leave a job behind. */
import { expect } from "chai";
import { loadPipeline, scriptLines } from "../pipeline/gitlab-ci";
import { COMMANDS } from "../../scripts/command-reference";

describe("pipeline: flags in .gitlab-ci.yml", () => {
    it("passes every command only flags it declares", () => {
        let checked = 0;
        for (const [job, definition] of loadPipeline().jobs) {
            for (const line of scriptLines(definition)) {
                const call = /npm run (\S+) -- (.*)$/.exec(line);
                if (!call || !(call[1]! in COMMANDS)) continue;
                const entry = COMMANDS[call[1]!]!;
                const words = call[2]!.split(/\s+/);
                const command = "subcommands" in entry ? entry.subcommands[words[0]!] : entry;
                expect(command, `${job}: ${line}`).to.not.equal(undefined);
                for (const flag of words.filter((w) => w.startsWith("--"))) {
                    expect(Object.keys(command!.flags).map((name) => `--${name}`), `${job}: ${line}`).to.include(flag.split("=")[0]);
                    checked++;
                }
            }
        }
        expect(checked).to.be.greaterThan(5);
    });
});
