import { expect } from "chai";
import { DAY_MS } from "./aws/s3";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 9, "Why" 4 (DESIGN decision 13): every instance an Auto Scaling group launches installs the
 * deployment group's last successful revision, however old, from the artifact bucket. A lifecycle
 * rule that expires current revision objects by age takes it away from under a fleet that saw no
 * release for months: its scale-outs and replacements fail, and so does a rollback that must first
 * raise the other color. Only replaced (noncurrent) versions may expire.
 *
 * Eight months, not six: deployments name their object version (issue 8), and in a versioned
 * bucket an expired current version only becomes noncurrent, so the rule the stack had before
 * (current versions after 180 days, noncurrent ones 30 days later) deleted it for good after 210.
 */
scenario("eight months without a release: a scale-out and a rollback still install their revisions", { stack: "staging" }, (get) => {
  it("scales the live color out with v2 and raises the rollback color with v1, both released 240 days ago", async () => {
    const s = get();
    await s.establish("blue", "v1", "v0");
    const release = await s.deployAndSwitch({ version: "v2", behaviour: "ok" });
    expect(exits(release), jobLog(release)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    await s.advance(240 * DAY_MS);

    // Traffic grows: green scales out, each new instance installing v2.
    const max = s.declared.green.maxSize;
    s.setLoad(200);
    expect(await s.untilScaledOut("green", max), "automatic deployments of green's launches").to.deep.equal([]);
    expect(s.versions("green")).to.deep.equal(Array(max).fill("v2"));

    // A problem only users notice: back to blue, which the rollback first raises to green's
    // capacity, each new instance installing v1.
    const rollback = await s.cli(["rollback"], {}, 30 * 60_000);
    expect(s.failedLaunches("blue"), `automatic deployments of blue's launches\n${jobLog([rollback])}`).to.deep.equal([]);
    expect(rollback.code, jobLog([rollback])).to.equal(0);
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
    expect(s.versions("blue")).to.deep.equal(Array(max).fill("v1"));
    expect(s.launchDeployments("blue"), "automatic deployments of blue's launches").to.not.have.lengthOf(0);
  });
});
