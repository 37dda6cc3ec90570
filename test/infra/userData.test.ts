import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PM2_VERSION, renderUserData, type UserDataValues } from "../../infra/userData";

const values = (region: string): UserDataValues => ({
    REGION: region,
    STACK: "staging",
    APP_LOG_GROUP: "/bluegreen/staging/app",
    NGINX_LOG_GROUP: "/bluegreen/staging/nginx",
    PM2_VERSION,
});

describe("instance user data", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "userdata-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    for (const region of ["ap-northeast-2", "us-east-1", "eu-central-1"]) {
        it(`renders for ${region} into a script that parses and passes shellcheck`, () => {
            const script = renderUserData(values(region));
            expect(script).to.not.match(/\{\{[A-Z0-9_]+\}\}/);
            expect(script).to.include(`https://aws-codedeploy-\${REGION}.s3.\${REGION}.amazonaws.com/latest/install`);
            expect(script).to.include(`readonly REGION="${region}"`);
            expect(script.startsWith("#!/usr/bin/env bash\n")).to.equal(true);
            expect(script).to.include("set -euo pipefail");
            const file = path.join(dir, `${region}.sh`);
            fs.writeFileSync(file, script);
            execFileSync("bash", ["-n", file]);
            const lint = spawnSync("shellcheck", ["--shell=bash", file], { encoding: "utf8" });
            expect(lint.error, "shellcheck must be installed (scripts/install.sh does it)").to.equal(undefined);
            expect(lint.status, lint.stdout).to.equal(0);
        });
    }

    it("installs what the instance runtime needs, PM2 pinned to the version the tests use, and nothing ssh", () => {
        expect(PM2_VERSION).to.match(/^\d+\.\d+\.\d+$/);
        const script = renderUserData(values("ap-northeast-2"));
        for (const needle of ["nginx", "nodejs22", `readonly PM2_VERSION="${PM2_VERSION}"`, "pm2 startup systemd -u", "codedeploy-agent", "amazon-cloudwatch-agent", "/etc/nginx/conf.d/*.conf"]) {
            expect(script, needle).to.include(needle);
        }
        expect(script).to.not.match(/authorized_keys|sshd/);
        expect(script).to.include('"log_group_name": "/bluegreen/staging/app"');
        // PM2's unit is started, not only enabled, so the apps never live in the CodeDeploy agent's cgroup.
        expect(script).to.match(/^systemctl start "pm2-\$\{APP_USER\}"$/m);
        // Releases are root's; only the log dir belongs to the app user.
        expect(script).to.include('install -d -o root -g root -m 0755 "$APP_ROOT" "$APP_ROOT/releases"');
        expect(script.match(/"publish_multi_logs": true/g)).to.have.length(2);
        expect(script).to.not.include("alternatives --set npm");
    });

    it("refuses a template placeholder that has no value, and a value that has no placeholder", () => {
        expect(() => renderUserData(values("us-east-1"), "echo {{REGION}} {{MISSING}}")).to.throw("user data placeholder {{MISSING}} has no value");
        expect(() => renderUserData(values("us-east-1"), "echo {{REGION}}")).to.throw(/values never used: STACK, APP_LOG_GROUP, NGINX_LOG_GROUP, PM2_VERSION/);
    });
});
