import { expect } from "chai";
import { DAY_MS } from "./aws/s3";
import { exits, jobLog, scenario } from "./scenario";

/**
 * DESIGN decision 13 against the revision lifecycle of issue 9: only replaced (noncurrent)
 * versions expire. The key of a revision names its commit, so a deploy job retried after its
 * release went live (GitLab's Retry on a finished job) uploads the same bundle under the same key
 * again: a new version, which makes the one the live color's group last deployed noncurrent, and
 * months later it expires from under that fleet. The bundle is reproducible (scripts/bundle/zip.ts),
 * so the same commit uploads the same bytes: an upload that would only repeat the current
 * version must leave it current.
 */
scenario("a deploy job retried after its switch leaves the live color's revision current", { stack: "staging" }, (get) => {
  it("keeps the object version green runs, and green still scales out eight months later", async () => {
    const s = get();
    await s.establish("blue", "v1", "v0");
    const release = await s.deployAndSwitch({ version: "v2", behaviour: "ok" });
    expect(exits(release), jobLog(release)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    const greenGroup = s.deploymentGroup("green");
    const live = s.world.codedeploy.deployment(greenGroup.lastSuccessful!).revision;

    // Someone retries v2's deploy job: it uploads v2 again and deploys it to blue, now idle.
    await s.jobPasses("deploy", { version: "v2", behaviour: "ok" });
    const key = s.world.s3.buckets.get(live.bucket)!.objects.get(live.key)!;
    expect(key.at(-1)!.versionId, "the current version of v2's key").to.equal(live.version);

    await s.advance(240 * DAY_MS);
    const max = s.declared.green.maxSize;
    s.setLoad(200);
    expect(await s.untilScaledOut("green", max), "automatic deployments of green's launches").to.deep.equal([]);
    expect(s.versions("green")).to.deep.equal(Array(max).fill("v2"));
  });
});
