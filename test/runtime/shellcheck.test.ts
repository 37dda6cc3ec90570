import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";

describe("runtime: hook scripts", () => {
  const hooksDir = resolve(__dirname, "..", "..", "hooks");
  const scripts = readdirSync(hooksDir).filter((name) => name.endsWith(".sh"));

  it("are shellcheck-clean", () => {
    // Throws with shellcheck's findings in the message if there are any.
    execFileSync("shellcheck", scripts.map((name) => join(hooksDir, name)), { cwd: hooksDir, encoding: "utf8" });
  });

  it("all run under set -euo pipefail (the sourced library excepted)", () => {
    for (const name of scripts.filter((script) => script !== "lib.sh")) {
      const text = execFileSync("cat", [join(hooksDir, name)], { encoding: "utf8" });
      expect(text, name).to.match(/^set -euo pipefail$/m);
    }
  });
});
