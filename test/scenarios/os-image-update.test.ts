import { expect } from "chai";
import { COLORS, type Color } from "../../release/colors";
import { exits, jobLog, scenario } from "./scenario";

const NEW_AMI = "ami-0fedcba9876543210";

/**
 * Issue 9, "Why" 2 (DESIGN decision 12), as docs/runbook.md "OS image update" does it: a new
 * AMI reaches the idle color first through the merged stack file and `up:<stack>` (its template
 * gets a new version, Auto Scaling refreshes that color), the pipeline's `deploy` waits for the
 * refresh, verifies the release on the new image, `switch` moves traffic; a second merge request
 * lets the other color follow. No instance of a color that carries production traffic is ever
 * replaced by an instance refresh, and an update that would do it fails its preview.
 */
scenario("OS image update: the idle color first, verified and switched, then the other; the live color never refreshed", { stack: "staging" }, (get) => {
  it("rolls a new AMI out one color at a time through up, deploy and switch", async () => {
    const s = get();
    await s.establish("blue");
    const firstVersion = (color: Color) => s.group(color).launchTemplate.version;
    const original = { blue: firstVersion("blue"), green: firstVersion("green") };

    // Every instance an instance refresh takes out, with the production weight its color had then.
    const refreshedOut: { color: Color; instance: string; weight: number }[] = [];
    s.world.observe((event) => {
      if (event.type !== "instance" || event.lifecycle !== "Terminating") return;
      const color = COLORS.find((c) => s.world.instances.get(String(event.instance))?.group === s.group(c).name)!;
      if (s.group(color).activities.at(-1)?.Cause.includes("instance refresh")) refreshedOut.push({ color, instance: String(event.instance), weight: s.weights()[color] });
    });
    const instancesOn = (color: Color) => s.world.autoscaling.inService(s.group(color)).map((i) => i.launchTemplate.version);

    // A bump of the live color's image without holding it fails the merge request's preview.
    const unheld = await s.up({ "bluegreen:amiId": NEW_AMI });
    expect(unheld.error).to.match(/^blue carries production traffic \(weight 100 on the production listener\) and this update changes its launch template/);
    expect(COLORS.map((c) => s.group(c).refreshes.length), "instance refreshes after the refused update").to.deep.equal([0, 0]);

    // Merge request 1: the new AMI with the live color held. Green is refreshed; blue is not.
    expect(await s.up({ "bluegreen:amiId": NEW_AMI, "bluegreen:holdLaunchTemplate": "blue" })).to.deep.equal({});
    expect(s.group("blue").launchTemplate.version).to.equal(original.blue);
    expect(s.group("green").refreshes.map((r) => r.status)).to.deep.equal(["Pending"]);
    const first = await s.deployAndSwitch({ version: "v2", behaviour: "ok" });
    expect(exits(first), jobLog(first)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    expect(first[2]!.out.join("\n"), "deploy waited for green's refresh").to.match(/green: instance refresh \S+ InProgress \(\d+% done, \d+ instances? to update\); waiting before deploying/);
    expect(s.group("green").refreshes.map((r) => r.status)).to.deep.equal(["Successful"]);
    expect(s.weights()).to.deep.equal({ blue: 0, green: 100 });
    expect(instancesOn("green"), "green's instances, on its new template version").to.deep.equal(s.versions("green").map(() => s.group("green").launchTemplate.version));
    expect(s.group("green").launchTemplate.version).to.not.equal(original.green);
    expect(s.versions("green").every((v) => v === "v2")).to.equal(true);
    expect(instancesOn("blue"), "blue's instances, on the old image (the rollback target)").to.deep.equal(s.versions("blue").map(() => original.blue));

    // Merge request 2, once green has served well: the hold removed, blue follows.
    expect(await s.up({ "bluegreen:holdLaunchTemplate": undefined })).to.deep.equal({});
    expect(s.group("green").refreshes, "green, now live, untouched").to.have.lengthOf(1);
    const second = await s.deployAndSwitch({ version: "v3", behaviour: "ok" });
    expect(exits(second), jobLog(second)).to.deep.equal([0, 0, 0, 0, 0, 0]);
    expect(s.weights()).to.deep.equal({ blue: 100, green: 0 });
    expect(s.versions("blue").every((v) => v === "v3")).to.equal(true);
    for (const color of COLORS) {
      expect(s.group(color).refreshes.map((r) => r.status), `${color}'s instance refreshes`).to.deep.equal(["Successful"]);
      expect(instancesOn(color), `${color}'s instances`).to.deep.equal(instancesOn(color).map(() => s.group(color).launchTemplate.version));
    }

    expect(refreshedOut.length, "instances replaced by the refreshes").to.be.at.least(2);
    expect(refreshedOut.filter((r) => r.weight > 0), "instances an instance refresh replaced while their color carried production traffic").to.deep.equal([]);
  });
});
