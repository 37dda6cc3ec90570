/** The README's command reference is the one the commands' declarations produce. */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { REFERENCE_END, REFERENCE_START, withReference } from "../../cli/reference";
import { commandReference, README } from "../../scripts/command-reference";

describe("README: command reference", () => {
    it("matches every command's declared flags, defaults and exit codes (regenerate with `npm run docs:commands`)", () => {
        const readme = readFileSync(README, "utf8");
        expect(readme).to.include(REFERENCE_START).and.include(REFERENCE_END);
        // Compared as the whole README, so a stale row shows as a diff of that row.
        expect(readme).to.equal(withReference(readme, commandReference()));
    });
});
