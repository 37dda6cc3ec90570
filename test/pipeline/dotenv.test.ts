import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { DOTENV_LIMITS, stackOutputsToDotenv } from "../../release/dotenv";
import { outputsToDotenvCli } from "../../release/outputs-dotenv";
import { ENV } from "../release/fake-aws";

describe("pipeline: stack outputs → dotenv report", () => {
  it("writes KEY=VALUE lines, unquoted, one per output", () => {
    const text = stackOutputsToDotenv(ENV);
    expect(text.split("\n")).to.have.length(Object.keys(ENV).length + 1);
    expect(text).to.include(`ALB_LISTENER_ARN=${ENV.ALB_LISTENER_ARN}\n`);
    expect(text).to.include("ROLLBACK_ALARM_NAMES=bluegreen-staging-5xx,bluegreen-staging-latency\n");
    expect(text).not.to.match(/["']/);
  });

  it("writes numbers and booleans as their text", () => {
    expect(stackOutputsToDotenv({ ...ENV, TEST_PORT: 8443, CANARY: true })).to.include("TEST_PORT=8443\nCANARY=true\n");
  });

  const refused: [string, Record<string, unknown>, RegExp][] = [
    ["a multi-line value", { ...ENV, ALB_DNS_NAME: "a\nb" }, /ALB_DNS_NAME="a\\nb" spans several lines/],
    ["a carriage return", { ...ENV, ALB_DNS_NAME: "a\rb" }, /ALB_DNS_NAME=.* spans several lines/],
    ["a quoted value", { ...ENV, ALB_DNS_NAME: '"x"' }, /ALB_DNS_NAME=.* contains a quote/],
    ["a '$' that GitLab would expand", { ...ENV, ALB_DNS_NAME: "a$HOME" }, /contains '\$'/],
    ["an empty value", { ...ENV, ALB_DNS_NAME: "" }, /ALB_DNS_NAME="" is empty/],
    ["surrounding whitespace", { ...ENV, ALB_DNS_NAME: " x" }, /leading or trailing whitespace/],
    ["a secret", { ...ENV, DB_PASSWORD: "[secret]" }, /DB_PASSWORD=.* is a Pulumi secret/],
    ["an object", { ...ENV, TAGS: { a: 1 } }, /TAGS is an object/],
    ["an array", { ...ENV, SUBNETS: ["a", "b"] }, /SUBNETS is an array/],
    ["null", { ...ENV, X: null }, /X is null/],
    ["a bad key", { ...ENV, "alb-dns": "x" }, /"alb-dns" is not a valid variable name/],
    ["a key starting with a digit", { ...ENV, "1X": "x" }, /"1X" is not a valid variable name/],
    ["a missing required output", { ...ENV, ALB_LISTENER_ARN: undefined }, /missing outputs the release jobs need: ALB_LISTENER_ARN/],
    [
      "more than 20 variables",
      { ...ENV, ...Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`EXTRA_${i}`, "x"])) },
      /21 outputs, more than GitLab's 20/,
    ],
    ["more than 5 KB", { ...ENV, BIG: "x".repeat(DOTENV_LIMITS.maxBytes) }, /bytes, more than GitLab's 5120-byte/],
    ["not an object", [] as unknown as Record<string, unknown>, /must be a JSON object/],
  ];
  for (const [what, outputs, message] of refused) {
    it(`refuses ${what}`, () => {
      const input = Object.fromEntries(Object.entries(outputs).filter(([, v]) => v !== undefined));
      expect(() => stackOutputsToDotenv(Array.isArray(outputs) ? outputs : input)).to.throw(message);
    });
  }

  it("names every offending output at once", () => {
    expect(() => stackOutputsToDotenv({ ...ENV, A: "x\ny", B: "'q'" })).to.throw(/A=.*several lines[\s\S]*B=.*quote/);
  });

  describe("npm run outputs:dotenv", () => {
    const dir = () => mkdtempSync(join(tmpdir(), "bluegreen-dotenv-"));
    const quiet = { log: () => {}, error: () => {} };

    it("reads standard input and writes the report", async () => {
      const out = join(dir(), "stack.env");
      const code = await outputsToDotenvCli(["--output", out], { ...quiet, readStdin: async () => JSON.stringify(ENV) });
      expect(code).to.equal(0);
      expect(readFileSync(out, "utf8")).to.equal(stackOutputsToDotenv(ENV));
    });

    it("reads --input and leaves no temporary file behind", async () => {
      const d = dir();
      writeFileSync(join(d, "outputs.json"), JSON.stringify(ENV));
      const code = await outputsToDotenvCli(["--input", join(d, "outputs.json"), "--output", join(d, "stack.env")], {
        ...quiet,
        readStdin: async () => "",
      });
      expect(code).to.equal(0);
      expect(readdirSync(d).sort()).to.deep.equal(["outputs.json", "stack.env"]);
    });

    it("refuses (exit 1) without writing anything, and keeps an older report intact", async () => {
      const d = dir();
      const out = join(d, "stack.env");
      writeFileSync(out, "OLD=1\n");
      const errors: string[] = [];
      const code = await outputsToDotenvCli(["--output", out], {
        log: () => {},
        error: (line) => errors.push(line),
        readStdin: async () => JSON.stringify({ ...ENV, ALB_DNS_NAME: "two\nlines" }),
      });
      expect(code).to.equal(1);
      expect(errors.join("\n")).to.match(/ALB_DNS_NAME=.*spans several lines[\s\S]*was not written/);
      expect(readFileSync(out, "utf8")).to.equal("OLD=1\n");
      expect(readdirSync(d)).to.deep.equal(["stack.env"]);
    });

    it("exits 2 on invalid JSON, an unreadable file or a missing --output", async () => {
      const d = dir();
      const stdin = (text: string) => ({ ...quiet, readStdin: async () => text });
      expect(await outputsToDotenvCli(["--output", join(d, "a.env")], stdin("{not json"))).to.equal(2);
      expect(await outputsToDotenvCli(["--input", join(d, "missing.json"), "--output", join(d, "a.env")], stdin(""))).to.equal(2);
      expect(await outputsToDotenvCli([], stdin("{}"))).to.equal(2);
      expect(await outputsToDotenvCli(["--bogus"], stdin("{}"))).to.equal(2);
      expect(existsSync(join(d, "a.env"))).to.equal(false);
    });
  });
});
