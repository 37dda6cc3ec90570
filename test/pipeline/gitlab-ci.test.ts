import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { COMMAND_NAMES } from "../../release/cli";
import { PIPELINE_OUTPUT_NAMES } from "../../infra/outputs";
import { REPO_ROOT, loadPipeline, needsOf, referencedVariables, resolveExtends, scriptLines, strings, type Node, type Pipeline } from "./gitlab-ci";
import { PREDEFINED_JOB_VARIABLES, PREDEFINED_PIPELINE_VARIABLES, SHELL_VARIABLES } from "./gitlab-predefined-variables";

const pipeline = loadPipeline();
const packageScripts = Object.keys(JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")).scripts);
/** npm scripts other issues own (DESIGN contracts table); they exist once those branches merge. */
const CONTRACTED_SCRIPTS = ["policy:check", "bundle"];

/** Names from docs/release.md's table of CI/CD settings variables (project/environment settings). */
function settingsVariables(): Set<string> {
  const doc = readFileSync(join(REPO_ROOT, "docs", "release.md"), "utf8");
  const section = /## CI\/CD settings variables\n([\s\S]*?)\n#/.exec(doc)?.[1] ?? "";
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]!));
}

/** Variables the file itself defines: `variables:` anywhere, id_tokens, and `export NAME=` lines. */
function definedInFile(p: Pipeline): Set<string> {
  const defined = new Set<string>(Object.keys(p.raw.variables ?? {}));
  for (const node of Object.values(p.raw)) {
    if (typeof node !== "object" || node === null || Array.isArray(node)) continue;
    for (const name of Object.keys(node.variables ?? {})) defined.add(name);
    for (const name of Object.keys(node.id_tokens ?? {})) defined.add(name);
  }
  for (const line of strings(p.raw)) {
    if (!/^\s*export\s/.test(line)) continue;
    for (const m of line.matchAll(/\b([A-Z][A-Z0-9_]*)=/g)) defined.add(m[1]!);
  }
  return defined;
}

const producesDotenv = (job: Node) => Boolean(job.artifacts?.reports?.dotenv);
/** A job that converts the outputs itself and loads them into its own shell (the rollback jobs). */
const loadsOutputsItself = (job: Node) =>
  scriptLines(job).some((l) => l.includes("npm run outputs:dotenv")) && scriptLines(job).some((l) => l.includes("< stack.env"));

describe("pipeline: .gitlab-ci.yml", () => {
  it("parses, and every job has a known stage and a script", () => {
    expect(pipeline.jobs.size).to.be.greaterThan(10);
    for (const [name, job] of pipeline.jobs) {
      expect(pipeline.stages, `${name} stage`).to.include(job.stage);
      expect(scriptLines({ script: job.script }).length, `${name} script`).to.be.greaterThan(0);
    }
  });

  it("resolves every extends", () => {
    for (const name of Object.keys(pipeline.raw)) {
      const isTemplate = name.startsWith(".") && !Array.isArray(pipeline.raw[name]); // arrays are script anchors
      if (isTemplate || pipeline.jobs.has(name)) expect(() => resolveExtends(pipeline.raw, name), name).not.to.throw();
    }
    expect(() => resolveExtends({ a: { extends: ".missing" } }, "a")).to.throw(/\.missing, which is not defined/);
  });

  it("needs only jobs that exist, in the same or an earlier stage", () => {
    for (const [name, job] of pipeline.jobs) {
      for (const need of needsOf(job)) {
        const needed = pipeline.jobs.get(need.job);
        expect(needed, `${name} needs ${need.job}`).to.not.equal(undefined);
        expect(pipeline.stages.indexOf(needed!.stage), `${name} needs ${need.job} from a later stage`).to.be.at.most(
          pipeline.stages.indexOf(job.stage),
        );
      }
    }
  });

  it("uses only GitLab's predefined variables, its own, stack outputs and documented settings", () => {
    const settings = settingsVariables();
    expect(settings.size, "docs/release.md table of CI/CD settings variables").to.be.greaterThan(0);
    const known = new Set<string>([
      ...PREDEFINED_PIPELINE_VARIABLES,
      ...PREDEFINED_JOB_VARIABLES,
      ...SHELL_VARIABLES,
      ...definedInFile(pipeline),
      ...PIPELINE_OUTPUT_NAMES,
      ...settings,
    ]);
    const unknown = [...referencedVariables(strings(pipeline.raw))].filter((name) => !known.has(name));
    expect(unknown, "variables nobody defines").to.deep.equal([]);
  });

  it("gives every job that uses a stack output a source for it (a dotenv report it needs, or its own)", () => {
    const outputs = new Set<string>(PIPELINE_OUTPUT_NAMES);
    let checked = 0;
    for (const [name, job] of pipeline.jobs) {
      const used = [...referencedVariables(strings({ ...job, rules: undefined }))].filter((v) => outputs.has(v));
      if (!used.length) continue;
      checked++;
      const fromNeeds = needsOf(job).some((need) => producesDotenv(pipeline.jobs.get(need.job)!));
      expect(fromNeeds || loadsOutputsItself(job), `${name} uses ${used.join(", ")} without a source`).to.equal(true);
    }
    expect(checked).to.be.greaterThan(3);
  });

  it("uses no stack output or job-only variable in rules (they do not exist when the pipeline is created)", () => {
    const pipelineTime = new Set<string>([...PREDEFINED_PIPELINE_VARIABLES, ...Object.keys(pipeline.raw.variables ?? {})]);
    const rules = [pipeline.raw.workflow?.rules ?? [], ...[...pipeline.jobs.values()].map((job) => job.rules ?? [])];
    const used = referencedVariables(strings(rules));
    expect([...used].filter((v) => !pipelineTime.has(v))).to.deep.equal([]);
  });

  it("runs only npm scripts that exist and release commands the tool has", () => {
    for (const [name, job] of pipeline.jobs) {
      for (const line of scriptLines(job)) {
        for (const m of line.matchAll(/npm run (\S+)/g)) {
          expect([...packageScripts, ...CONTRACTED_SCRIPTS], `${name}: ${line}`).to.include(m[1]);
        }
        const release = /npm run release -- (\S+)/.exec(line);
        if (release) expect(COMMAND_NAMES, `${name}: ${line}`).to.include(release[1]);
      }
    }
  });

  it("reaches AWS only through OIDC: an id_token in every AWS job, no access keys anywhere", () => {
    const text = readFileSync(join(REPO_ROOT, ".gitlab-ci.yml"), "utf8");
    expect(text).not.to.match(/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/);
    for (const [name, job] of pipeline.jobs) {
      const lines = scriptLines(job);
      if (!lines.some((l) => l.includes("AWS_ROLE_ARN="))) continue;
      expect(Object.keys(job.id_tokens ?? {}), name).to.have.length(1);
      const token = Object.keys(job.id_tokens)[0]!;
      expect(lines.some((l) => l.includes(`"$${token}" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`)), `${name} writes its token file`).to.equal(true);
      expect(job.variables?.AWS_WEB_IDENTITY_TOKEN_FILE, name).to.be.a("string");
    }
  });

  describe("stacks", () => {
    for (const stack of ["staging", "production"]) {
      it(`${stack}: offline gate, preview and up carry the stack's policy config`, () => {
        expect(scriptLines(pipeline.jobs.get(`policy:${stack}`)!).join("\n")).to.include('npm run policy:check -- --stack "$STACK"');
        for (const job of [`preview:${stack}`, `up:${stack}`]) {
          const resolved = pipeline.jobs.get(job)!;
          expect(resolved.variables.STACK, job).to.equal(stack);
          expect(scriptLines(resolved).join("\n"), job).to.match(
            /pulumi (preview|up --yes) --stack "\$STACK".* --policy-pack policy --policy-pack-config "policy\/config\/\$STACK.json"/,
          );
        }
      });

      it(`${stack}: everything that changes the stack shares resource_group ${stack}`, () => {
        for (const job of [`up:${stack}`, `deploy:${stack}`, `switch:${stack}`]) {
          expect(pipeline.jobs.get(job)!.resource_group, job).to.equal(stack);
          expect(pipeline.jobs.get(job)!.environment.name, job).to.equal(stack);
        }
      });

      it(`${stack}: outputs become a dotenv report after up and on demand`, () => {
        for (const job of [`up:${stack}`, `outputs:${stack}`]) {
          const resolved = pipeline.jobs.get(job)!;
          expect(resolved.artifacts.reports.dotenv, job).to.equal("stack.env");
          expect(scriptLines(resolved).join("\n")).to.include("npm run outputs:dotenv -- --input stack-outputs.json --output stack.env");
        }
      });

      it(`${stack}: release goes bundle → deploy/verify → switch → watch`, () => {
        const deploy = scriptLines(pipeline.jobs.get(`deploy:${stack}`)!).join("\n");
        expect(deploy).to.match(/release -- upload[\s\S]*release -- deploy[\s\S]*release -- verify/);
        expect(needsOf(pipeline.jobs.get(`deploy:${stack}`)!).map((n) => n.job)).to.include.members(["bundle", `up:${stack}`]);
        const switchJob = scriptLines(pipeline.jobs.get(`switch:${stack}`)!).join("\n");
        expect(switchJob).to.match(/release -- switch[\s\S]*release -- watch .*--rollback/);
      });

      it(`${stack}: emergency rollback is manual, needs nothing and waits for no lock`, () => {
        const rollback = pipeline.jobs.get(`rollback:${stack}`)!;
        expect(rollback.needs).to.deep.equal([]);
        expect(rollback.resource_group).to.equal(undefined);
        expect(rollback.rules).to.deep.equal([{ if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", when: "manual", allow_failure: true }]);
        expect(scriptLines(rollback).join("\n")).to.include("npm run release -- rollback");
      });
    }

    it("production up and production switch are manual gates in the protected environment", () => {
      for (const job of ["up:production", "switch:production"]) {
        const resolved = pipeline.jobs.get(job)!;
        expect(resolved.rules.map((r: Node) => r.when), job).to.deep.equal(["manual"]);
        expect(resolved.environment.name).to.equal("production");
      }
      expect(pipeline.jobs.get("switch:staging")!.rules.map((r: Node) => r.when)).to.deep.equal([undefined]);
    });

    it("previews only same-project merge requests (forks have no credentials) and the offline gate runs for all", () => {
      expect(pipeline.jobs.get("preview:staging")!.rules[0].if).to.include("$CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_MERGE_REQUEST_PROJECT_ID");
      expect(pipeline.jobs.get("policy:staging")!.rules.map((r: Node) => r.if)).to.include('$CI_PIPELINE_SOURCE == "merge_request_event"');
      expect(pipeline.jobs.get("policy:staging")!.id_tokens).to.equal(undefined);
    });
  });

  describe("the checks themselves", () => {
    const base = `stages: [a, b]\n.t:\n  stage: b\n  script: [echo]\n`;
    it("catch a renamed stack output", () => {
      const p = loadPipeline(`${base}j:\n  extends: .t\n  script: ['echo $ALB_LISTENR_ARN']\n`);
      const used = referencedVariables(strings(p.raw));
      expect([...used].filter((v) => !(PIPELINE_OUTPUT_NAMES as readonly string[]).includes(v))).to.deep.equal(["ALB_LISTENR_ARN"]);
    });
    it("catch a YAML error and a needs into a later stage", () => {
      expect(() => loadPipeline("a: [\n")).to.throw(/does not parse/);
      const p = loadPipeline(`${base}late:\n  extends: .t\nearly:\n  stage: a\n  script: [echo]\n  needs: [late]\n`);
      const early = p.jobs.get("early")!;
      expect(p.stages.indexOf(p.jobs.get(needsOf(early)[0]!.job)!.stage)).to.be.greaterThan(p.stages.indexOf(early.stage));
    });
  });
});
