/**
 * Renders the instance bootstrap script (infra/userdata/bootstrap.sh) for one stack. The script
 * stays a readable file in the repo; only its {{PLACEHOLDERS}} are filled in here.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import packageJson from "../package.json";

export const BOOTSTRAP_SCRIPT = path.join(__dirname, "userdata", "bootstrap.sh");
/**
 * PM2 is installed on the instance as a tool (it is AGPL-3.0, never a dependency of ours), at the
 * version the tests run against: package.json "config.pm2Version", read by scripts/install.sh too.
 */
export const PM2_VERSION: string = packageJson.config.pm2Version;

export interface UserDataValues {
    REGION: string;
    STACK: string;
    APP_LOG_GROUP: string;
    NGINX_LOG_GROUP: string;
    PM2_VERSION: string;
}

const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;

/** Fills every placeholder; a placeholder without a value (or a value without a placeholder) is a bug. */
export function renderUserData(values: UserDataValues, template = fs.readFileSync(BOOTSTRAP_SCRIPT, "utf8")): string {
    const used = new Set<string>();
    const rendered = template.replace(PLACEHOLDER, (_match, name: string) => {
        if (!(name in values)) throw new Error(`user data placeholder {{${name}}} has no value`);
        used.add(name);
        return values[name as keyof UserDataValues];
    });
    const unused = Object.keys(values).filter((k) => !used.has(k));
    if (unused.length > 0) throw new Error(`user data values never used: ${unused.join(", ")}`);
    return rendered;
}
