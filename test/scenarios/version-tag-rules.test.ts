import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 10: `--version` ends up in an ELB tag value, which allows letters, spaces,
 * numbers and `_ . : / = + - @` up to 256 characters (API_Tag.html; the model enforces it). A
 * value tags refuse must be refused as bad usage before any AWS call, not at the last one.
 */
scenario("a release version ELB tags cannot carry", { stack: "production" }, (get) => {
  it("refuses `v2 (rc)` for verify and switch before calling AWS", async () => {
    const s = get();
    await s.establish("blue");
    // The release really serves "v2 (rc)": every check would pass, only the tag cannot be written.
    const [, upload, deploy] = s.jobCommands("deploy", { version: "v2 (rc)", behaviour: "ok" });
    for (const command of [upload!, deploy!]) expect((await command()).code).to.equal(0);

    for (const argv of [["verify", "--version", "v2 (rc)"], ["switch", "--version", "v2 (rc)", "--steps", "100", "--bake", "180"]]) {
      const calls = s.world.endpoint.calls.length;
      const result = await s.cli(argv);
      const log = `${result.out.join("\n")}\n${result.err}`;
      expect(result.code, log).to.equal(2);
      expect(result.err).to.include("--version");
      expect(s.world.endpoint.calls.slice(calls).map((c) => c.operation), "AWS calls before refusing").to.deep.equal([]);
    }
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
  });
});
