#!/usr/bin/env bash
# Installs everything bluegreen needs on a Debian/Ubuntu machine: the system tools the
# hook integration tests drive for real (nginx, shellcheck, unzip, curl) and the npm packages
# (which bring their own Node 22 via the `node` package, so the machine's Node may be older).
set -euo pipefail

apt_packages=(nginx shellcheck unzip curl)
missing=()
for pkg in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# PM2 is a tool here, like nginx, not a dependency: it is AGPL-3.0 and nothing of ours imports
# it. The hook tests and the release benchmark run it as a separate process (PM2_BIN or PATH).
# The same pinned version the EC2 user data installs (package.json "config.pm2Version").
pm2_version=$(node -p 'require("./package.json").config.pm2Version')
if ! npm ls --global --depth=0 "pm2@$pm2_version" >/dev/null 2>&1; then
  echo "==> installing pm2@$pm2_version (global tool)"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" npm install --global --no-audit --no-fund "pm2@$pm2_version"
fi

# npm checks every package's "engines" against the Node that npm itself runs on. The project's
# code runs on the Node it brings (the pinned `node` package: npm scripts and npx put
# node_modules/.bin first on PATH), so on an older machine Node `npm ci` would warn EBADENGINE
# for bluegreen and @pulumi/pulumi (both need Node >= 22) about a Node neither will run on.
# There npm ci itself runs on the pinned Node (npm exec fetches it; the npm cache serves the
# copy npm ci then installs), so the check judges the Node the code runs on and still warns
# if a dependency ever needs more than it.
node_version=$(node -p 'require("./package-lock.json").packages["node_modules/node"].version')
if [[ $(node -p 'process.versions.node.split(".")[0]') -ge ${node_version%%.*} ]]; then
  echo "==> npm ci"
  npm ci --no-audit --no-fund
else
  echo "==> npm ci on the project's Node $node_version (this machine's Node is $(node --version))"
  # shellcheck disable=SC2016 # $npm_execpath is for the inner shell: npm exec sets it to npm's CLI
  npm exec --yes --package="node@$node_version" -- sh -c 'node "$npm_execpath" ci --no-audit --no-fund'
fi
