/**
 * `npm run bundle [-- --out <zip>] [--version <v>]`: build the CodeDeploy revision.
 * Prints the zip's path and version on stdout.
 */
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { buildBundle, REPO_ROOT } from "./bundle/build";

const { values } = parseArgs({
  options: {
    out: { type: "string" },
    version: { type: "string" },
  },
});

const outFile = values.out ?? join(REPO_ROOT, "dist", "bluegreen-revision.zip");
buildBundle({ outFile, version: values.version }).then(
  (stamp) => console.log(`${relative(process.cwd(), outFile) || outFile} version ${stamp.version} commit ${stamp.commit}`),
  (err: unknown) => {
    console.error(`bundle: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
