/**
 * Starting points and recorders the release tool's tests share: the world after a switch, the
 * switch most tests run, what each production listener write saw, a bundle file to upload.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Color } from "../../release/colors";
import { PRODUCTION_LISTENER, TEST_LISTENER, World } from "./fake-aws";
import { run } from "./run";

export const ROLLBACK_TAG = "bluegreen:rollback-color";

/** Green went live with v2 through a switch; blue (v1, verified, warm) is the color to roll back to. */
export function afterSwitchToGreen(sizes: Record<Color, number> = { blue: 2, green: 2 }): World {
  const world = World.betweenReleases("blue", sizes);
  world.listeners[PRODUCTION_LISTENER] = { blue: 0, green: 100 };
  world.listeners[TEST_LISTENER] = { blue: 100, green: 0 };
  world.tags[PRODUCTION_LISTENER] = { [ROLLBACK_TAG]: "blue" };
  return world;
}

// 180 s: what the fake's alarms (2 of 3 datapoints of 60 s, as infra/monitoring.ts) need to fire.
/** `switch --version v2 --bake 180 --interval 60`, with the test's own flags in place of those it gives (a flag is given once). */
export function switchV2(world: World, ...extra: string[]) {
  const defaults = Object.entries({ "--version": "v2", "--bake": "180", "--interval": "60" }).filter(([flag]) => !extra.includes(flag));
  return run(world, ["switch", ...defaults.flat(), ...extra]);
}

/** The production listener's weights at each ModifyListener (`90/10`: blue/green), with both colors' target states then. */
export function recordProductionWrites(world: World) {
  const writes: { weights: string; green: string[]; blue: string[] }[] = [];
  const previous = world.before;
  world.before = (command, input) => {
    previous(command, input);
    if (command === "ModifyListener" && input.ListenerArn === PRODUCTION_LISTENER) {
      const weights = input.DefaultActions[0].ForwardConfig.TargetGroups.map((g: { Weight: number }) => g.Weight).join("/");
      writes.push({ weights, green: [...world.health.green], blue: [...world.health.blue] });
    }
  };
  return writes;
}

/** A bundle file for `upload`, holding `content`, in a fresh temporary directory. */
export function bundleFile(content: string): string {
  const bundle = join(mkdtempSync(join(tmpdir(), "bluegreen-upload-")), "bundle.zip");
  writeFileSync(bundle, content);
  return bundle;
}
