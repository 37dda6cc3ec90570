import { expect } from "chai";
import { revisionBody } from "./aws/revision";
import { exits, jobLog, scenario } from "./scenario";

/**
 * Issue 8, "Why" 4 and DESIGN decision 13: a deployment that names the revision by bucket and
 * key only makes CodeDeploy, and every later automatic deployment, install whatever object is
 * newest under that key. A re-run job's rebuilt (here: broken) bundle must not replace the verified
 * object, and one uploaded around the tool must not reach the fleet: the verified release stays
 * what every new instance installs.
 */
scenario("a re-uploaded bundle under the same key does not reach the fleet", { stack: "production" }, (get) => {
  it("scales green out with the verified object version, not the newer upload", async () => {
    const s = get();
    await s.establish("blue");
    s.setLoad(60);
    const deploy = await s.job("deploy", { version: "v2", behaviour: "ok" });
    expect(exits(deploy), jobLog(deploy)).to.deep.equal([0, 0, 0, 0]);
    const key = `revisions/v2/bluegreen-revision.zip`;
    const verifiedObject = s.world.s3.getObject(s.env.CODEDEPLOY_S3_BUCKET!, key);

    // The deploy job is re-run for the same commit; its rebuilt bundle differs (and is broken).
    // `upload` refuses to put it over the version green's last successful deployment installs.
    const [, upload] = s.jobCommands("deploy", { version: "v2", behaviour: "fails-validate" });
    const reupload = await upload!();
    expect(reupload.code, jobLog([reupload])).to.equal(3);
    expect(s.world.s3.getObject(s.env.CODEDEPLOY_S3_BUCKET!, key).versionId).to.equal(verifiedObject.versionId);

    // Someone uploads it anyway, around the tool (`aws s3 cp`): the key's newest object is now broken.
    s.world.s3.putObject(s.env.CODEDEPLOY_S3_BUCKET!, key, revisionBody({ version: "v2", behaviour: "fails-validate" }));
    expect(s.world.s3.getObject(s.env.CODEDEPLOY_S3_BUCKET!, key).versionId).to.not.equal(verifiedObject.versionId);

    s.scheduleSizes("green", "morning", 60_000, { minSize: 2, desiredCapacity: 2 });
    await s.advance(20 * 60_000);
    const installed = s.world.autoscaling.inService(s.group("green")).map((i) => i.app.revision?.versionId);
    expect(installed, "object versions green's instances run").to.deep.equal([verifiedObject.versionId, verifiedObject.versionId]);
    expect(s.healthyTargets("green")).to.equal(2);
  });
});
