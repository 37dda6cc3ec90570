/** The offline gate (npm run policy:check), run in-process: contract, exit codes and the project's stacks. */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { main } from "../offline/cli";

const FIXTURE = path.join(__dirname, "fixtures", "seed-30s-deregistration.export.json");
const tmp = mkdtempSync(path.join(tmpdir(), "policy-gate-"));

function file(name: string, content: string): string {
    const p = path.join(tmp, name);
    writeFileSync(p, content);
    return p;
}

async function gate(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("npm run policy:check", () => {
    after(() => rmSync(tmp, { recursive: true, force: true }));

    for (const stack of ["staging", "production"]) {
        it(`passes the project's ${stack} stack (the real program under mocks, its policy config) with zero violations at every level`, async () => {
            const r = await gate("--stack", stack, "--json");
            expect(JSON.parse(r.out)).to.deep.equal({ violations: [] });
            expect(r.code).to.equal(0);
            expect(r.err).to.include(`policy/config/${stack}.json`);
        });
    }

    it("exits 1 on a stack export with a seed case and names policy, level, resource and problem", async () => {
        const human = await gate("--stack-export", FIXTURE);
        expect(human.code).to.equal(1);
        expect(human.out).to.include("[mandatory]  lb-deregistration-delay  (aws:lb/targetGroup:TargetGroup: web-blue)").and.include("30 s");
        const json = JSON.parse((await gate("--stack-export", FIXTURE, "--json")).out);
        expect(json.violations[0]).to.have.all.keys("policy", "enforcementLevel", "urn", "message");
        expect(json.violations[0]).to.include({ policy: "lb-deregistration-delay", enforcementLevel: "mandatory", urn: "urn:pulumi:staging::bluegreen::aws:lb/targetGroup:TargetGroup::web-blue" });
    });

    it("exits 0 when --config turns the finding advisory (reported, not blocking)", async () => {
        const config = file("advisory.json", JSON.stringify({ "lb-deregistration-delay": "advisory" }));
        const r = await gate("--stack-export", FIXTURE, "--config", config, "--json");
        expect(r.code).to.equal(0);
        expect(JSON.parse(r.out).violations[0].enforcementLevel).to.equal("advisory");
    });

    it("says in one line that a stack without its own policy config gets the pack's defaults, and applies them", async () => {
        const qa = file("qa.export.json", readFileSync(FIXTURE, "utf8").replaceAll("urn:pulumi:staging::", "urn:pulumi:qa::"));
        const r = await gate("--stack-export", qa, "--json");
        expect(r.err.split("\n")).to.include("policy:check: no policy/config/qa.json: applying the pack's defaults");
        expect(r.code).to.equal(1);
        expect(JSON.parse(r.out).violations.map((v: { policy: string }) => v.policy)).to.include("lb-deregistration-delay");
    });

    const bad: [string, () => string[], RegExp][] = [
        ["no source", () => [], /exactly one of --stack or --stack-export/],
        ["both sources", () => ["--stack", "staging", "--stack-export", FIXTURE], /exactly one/],
        ["an unknown flag", () => ["--stack", "staging", "--frobnicate"], /frobnicate/],
        ["a missing export", () => ["--stack-export", path.join(tmp, "missing.json")], /--stack-export must be a readable file; got ".*missing\.json" \(ENOENT\)/],
        ["an export that is not JSON", () => ["--stack-export", file("bad.json", "{nope")], /bad\.json is not valid JSON/],
        ["an export with no resources", () => ["--stack-export", file("empty.json", JSON.stringify({ version: 3, deployment: { resources: [] } }))], /empty\.json has no resources: nothing to check/],
        ["a wrong export version", () => ["--stack-export", file("v2.json", JSON.stringify({ version: 2, deployment: { resources: [] } }))], /version 2.*only version 3/],
        ["an unknown stack", () => ["--stack", "qa"], /--stack must be .*production.*staging.*; got "qa"/],
        ["an unknown policy in config", () => ["--stack-export", FIXTURE, "--config", file("typo.json", '{"lb-deregistration-dealy": "mandatory"}')], /unknown policy "lb-deregistration-dealy"/],
        ["an invalid enforcement level", () => ["--stack-export", FIXTURE, "--config", file("level.json", '{"lb-health-check": "strict"}')], /"strict".*advisory, mandatory/],
        ["a missing config", () => ["--stack-export", FIXTURE, "--config", path.join(tmp, "nope.json")], /--config must be a readable file; got ".*nope\.json"/],
    ];
    for (const [what, argv, message] of bad) {
        it(`exits 2 naming the problem on ${what}`, async () => {
            const r = await gate(...argv());
            expect(r.code).to.equal(2);
            expect(r.err).to.match(message);
        });
    }
});
