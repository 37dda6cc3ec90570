import { expect } from "chai";
import { DAY_MS } from "./aws/s3";
import { exits, jobLog, scenario } from "./scenario";

/**
 * DESIGN decision 14's whole lifecycle, from an empty account: the first `pulumi up` leaves two
 * fleets with no app; the first release goes out as the runbook says (pipeline to green, then the
 * same release to blue from a terminal); traffic grows; a second release; a rollback; months
 * without a release; and a scale-out that still finds the revision its instances must install.
 */
scenario("a whole lifecycle: empty account, first release, growth, release, rollback, months of quiet", { stack: "production" }, (get) => {
  it("goes through it with no manual step beyond the runbook's", async () => {
    const s = get();
    // Right after `pulumi up`: instances launch with no app (both colors, blue takes production).
    await s.until(() => s.inService("blue") === 1 && s.inService("green") === 1, 10 * 60_000, "first instances");
    expect(s.versions("blue")).to.deep.equal(["none"]);

    // First release: the pipeline deploys, verifies and switches green; then blue gets the same release.
    const v1 = { version: "v1", behaviour: "ok" } as const;
    const deploy = await s.job("deploy", v1);
    expect(exits(deploy), jobLog(deploy)).to.deep.equal([0, 0, 0, 0]);
    const switched = await s.job("switch", v1);
    expect(exits(switched), jobLog(switched)).to.deep.equal([0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
    const revision = `s3://${s.env.CODEDEPLOY_S3_BUCKET}/revisions/v1/bluegreen-revision.zip`;
    const toBlue = [await s.cli(["deploy", "--revision", revision], { RELEASE_VERSION: "v1" }), await s.cli(["verify", "--version", "v1"])];
    expect(exits(toBlue), jobLog(toBlue)).to.deep.equal([0, 0]);

    // Traffic grows over the day: green scales out.
    s.setLoad(200);
    await s.untilCapacity("green", 3);

    // Second release, to blue, which the switch first raises to green's capacity.
    const v2 = { version: "v2", behaviour: "ok" } as const;
    const release = await s.deployAndSwitch(v2);
    expect(exits(release), jobLog(release)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
    expect(s.inService("blue")).to.be.at.least(3);

    // An hour later a problem only users notice: roll back to v1 on green.
    await s.advance(60 * 60_000);
    const rollback = await s.cli(["rollback"]);
    expect(rollback.code, jobLog([rollback])).to.equal(0);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });

    // Months without a release, then the traffic of a sale: green scales out and every new
    // instance installs v1, the group's last successful revision, from the artifact bucket.
    await s.advance(200 * DAY_MS);
    const before = s.inService("green");
    s.setLoad(360);
    await s.untilCapacity("green", 4);
    expect(before).to.be.below(4);
    expect(s.versions("green")).to.deep.equal(["v1", "v1", "v1", "v1"]);
  });
});
