/**
 * `npm run bundle [-- --out <zip>] [--version <v>]`: build the CodeDeploy revision.
 * Prints the zip's path and version on stdout.
 */
import { join, relative } from "node:path";
import { command } from "../cli/command";
import { outputFile, text, type Values } from "../cli/flags";
import { CommandFailure, exitWith, runCommand } from "../cli/run";
import { buildBundle, REPO_ROOT } from "./bundle/build";
import { VERSION_ALLOWED, VERSION_PATTERN } from "./bundle/version";

export const BUNDLE = command({
    name: "bundle",
    invocation: "npm run bundle --",
    summary: "Build the CodeDeploy revision zip: appspec.yml, the built app with its production node_modules, the hooks, the nginx and PM2 config, version.json.",
    flags: {
        out: outputFile("where to write the zip", { placeholder: "<zip>" }).default(join(REPO_ROOT, "dist", "bluegreen-revision.zip"), "dist/bluegreen-revision.zip"),
        version: text("the version stamped into version.json; hosts install the release under this name", { placeholder: "<v>", pattern: VERSION_PATTERN, allowed: VERSION_ALLOWED }).defaultsTo(
            "<app/package.json version>-<commit[0:12]>",
        ),
    },
    exitCodes: { 0: "written; prints the zip's path, version and commit", 1: "the build failed (app compile, dependencies, appspec check)", 2: "bad usage" },
});

async function bundle({ out, version }: Values<typeof BUNDLE.flags>): Promise<number> {
    let stamp;
    try {
        stamp = await buildBundle({ outFile: out, version });
    } catch (err) {
        // The compiler's and npm's own output is already on the terminal; this says what failed.
        throw new CommandFailure(err instanceof Error ? err.message : String(err), 1);
    }
    console.log(`${relative(process.cwd(), out) || out} version ${stamp.version} commit ${stamp.commit}`);
    return 0;
}

if (require.main === module) exitWith(runCommand(BUNDLE, process.argv.slice(2), bundle));
