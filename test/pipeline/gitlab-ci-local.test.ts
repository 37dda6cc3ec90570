/**
 * The pipeline as GitLab would build it, simulated offline by gitlab-ci-local (MIT): it validates
 * .gitlab-ci.yml against GitLab's JSON schema, evaluates workflow and job rules for a pipeline
 * source, and checks that every job an active job needs is active too. Nothing is executed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "./gitlab-ci";

const CLI = join(REPO_ROOT, "node_modules", "gitlab-ci-local", "dist", "index.js");
const PROJECT = "platform/bluegreen";
const PROJECT_ID = "4711";
const FORK = "someone/bluegreen";
const FORK_ID = "9001";

/**
 * A scratch git repository holding only the pipeline file (the simulation needs a repo and leaves
 * state in it), optionally rewritten, e.g. with the manual gates opened.
 */
const scratchRepos: string[] = [];
function scratchRepo(rewrite: (pipeline: string) => string = (pipeline) => pipeline): string {
  const dir = mkdtempSync(join(tmpdir(), "bluegreen-gitlab-ci-local-"));
  scratchRepos.push(dir);
  writeFileSync(join(dir, ".gitlab-ci.yml"), rewrite(readFileSync(join(REPO_ROOT, ".gitlab-ci.yml"), "utf8")));
  const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, stdio: "ignore" });
  git("init", "-q");
  git("-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-q", "--allow-empty", "-m", "pipeline under test");
  return dir;
}

interface Simulation {
  /** Jobs in the pipeline with their `when`. */
  jobs: Record<string, string>;
  /** gitlab-ci-local's report that every need of an active job is active (throws if not). */
  dependencyChain: () => string;
}

function simulate(repo: string, variables: Record<string, string>): Simulation {
  const args = Object.entries(variables).flatMap(([k, v]) => ["--variable", `${k}=${v}`]);
  args.push("--ignore-predefined-vars", Object.keys(variables).join(","));
  const run = (...extra: string[]) =>
    execFileSync(process.execPath, [CLI, ...extra, ...args], { cwd: repo, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const listed = JSON.parse(run("--list-json")) as { name: string; when: string }[];
  return {
    jobs: Object.fromEntries(listed.filter((job) => job.when !== "never").map((job) => [job.name, job.when])),
    dependencyChain: () => run("--validate-dependency-chain"),
  };
}

const CHECKS = { install: "on_success", lint: "on_success", test: "on_success", "policy:staging": "on_success", "policy:production": "on_success" };
const ROLLBACKS = { "rollback:staging": "manual", "rollback:production": "manual" };

describe("pipeline: simulated by gitlab-ci-local", function () {
  this.timeout(120_000);
  const repo = scratchRepo();
  after(() => scratchRepos.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const defaultBranch = { CI_DEFAULT_BRANCH: "main", CI_PROJECT_PATH: PROJECT };

  it("merge request from this project: checks, offline gate and previews", () => {
    const mr = simulate(repo, {
      ...defaultBranch,
      CI_PIPELINE_SOURCE: "merge_request_event",
      CI_COMMIT_BRANCH: "",
      CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: PROJECT,
      CI_MERGE_REQUEST_SOURCE_PROJECT_ID: PROJECT_ID,
      CI_MERGE_REQUEST_PROJECT_PATH: PROJECT,
      CI_MERGE_REQUEST_PROJECT_ID: PROJECT_ID,
    });
    expect(mr.jobs).to.deep.equal({ ...CHECKS, "preview:staging": "on_success", "preview:production": "on_success" });
    expect(mr.dependencyChain()).to.include("All job dependencies are valid");
  });

  it("merge request from a fork: the offline gate, no preview (no credentials)", () => {
    // GitLab's default: the pipeline runs in the fork, so the project variables are the fork's.
    const fork = simulate(repo, {
      ...defaultBranch,
      CI_PROJECT_PATH: FORK,
      CI_PROJECT_ID: FORK_ID,
      CI_PIPELINE_SOURCE: "merge_request_event",
      CI_COMMIT_BRANCH: "",
      CI_MERGE_REQUEST_SOURCE_PROJECT_PATH: FORK,
      CI_MERGE_REQUEST_SOURCE_PROJECT_ID: FORK_ID,
      CI_MERGE_REQUEST_PROJECT_PATH: PROJECT,
      CI_MERGE_REQUEST_PROJECT_ID: PROJECT_ID,
    });
    expect(fork.jobs).to.deep.equal(CHECKS);
  });

  it("push to the default branch: staging unattended, production behind two manual gates, rollbacks at hand", () => {
    const variables = { ...defaultBranch, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "main" };
    const push = simulate(repo, variables);
    expect(push.jobs).to.deep.equal({
      ...CHECKS,
      bundle: "on_success",
      "up:staging": "on_success",
      "deploy:staging": "on_success",
      "switch:staging": "on_success",
      "up:production": "manual",
      "deploy:production": "on_success",
      "switch:production": "manual",
      ...ROLLBACKS,
    });
    // Jobs behind a manual gate wait for it by design; once a person opens the gates (manual
    // jobs run), every need resolves.
    const gatesOpened = scratchRepo((pipeline) => pipeline.replace(/^(\s+)when: manual$/gm, "$1when: on_success"));
    expect(simulate(gatesOpened, variables).dependencyChain()).to.include("All job dependencies are valid");
  });

  it("web or API run on the default branch: outputs and status on demand, rollbacks at hand", () => {
    const web = simulate(repo, { ...defaultBranch, CI_PIPELINE_SOURCE: "web", CI_COMMIT_BRANCH: "main" });
    expect(web.jobs).to.deep.equal({
      ...CHECKS,
      "outputs:staging": "on_success",
      "status:staging": "on_success",
      "outputs:production": "on_success",
      "status:production": "on_success",
      ...ROLLBACKS,
    });
    expect(web.dependencyChain()).to.include("All job dependencies are valid");
  });

  it("push to a branch with an open merge request: no duplicate branch pipeline", () => {
    const branch = simulate(repo, { ...defaultBranch, CI_PIPELINE_SOURCE: "push", CI_COMMIT_BRANCH: "feature", CI_OPEN_MERGE_REQUESTS: `${PROJECT}!7` });
    expect(branch.jobs).to.deep.equal({});
  });
});
