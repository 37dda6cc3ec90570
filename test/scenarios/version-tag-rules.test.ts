import { expect } from "chai";
import { scenario } from "./scenario";

/**
 * Issue 8, "Why" 10: `--version` ends up in an ELB tag value, which allows letters, spaces,
 * numbers and `_ . : / = + - @` up to 256 characters (API_Tag.html; the model enforces it). A
 * value tags refuse must be refused as bad usage before any AWS call, not at the last one.
 */
scenario("a release version ELB tags cannot carry", { stack: "production" }, (get) => {
  it("refuses `v2 (rc)` for deploy, verify and switch before calling AWS", async () => {
    const s = get();
    await s.establish("blue");
    // A bundle that really serves "v2 (rc)": every check would pass, only the tag cannot be written.
    const revision = `s3://${s.env.CODEDEPLOY_S3_BUCKET}/revisions/v2-rc/bluegreen-revision.zip`;
    const upload = await s.cli(["upload", "--bundle", s.bundle({ version: "v2 (rc)", behaviour: "ok" }), "--revision", revision]);
    expect(upload.code, upload.err).to.equal(0);

    const version = { RELEASE_VERSION: "v2 (rc)" };
    for (const argv of [["deploy", "--revision", revision], ["verify"], ["switch", "--steps", "100", "--bake", "180"]]) {
      const calls = s.world.endpoint.calls.length;
      const result = await s.cli(argv, version);
      const log = `$ release ${argv.join(" ")}\n${result.out.join("\n")}\n${result.err}`;
      expect(result.code, log).to.equal(2);
      expect(result.err, log).to.include("v2 (rc)");
      expect(s.world.endpoint.calls.slice(calls).map((c) => c.operation), `AWS calls before refusing\n${log}`).to.deep.equal([]);
    }
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
  });
});
