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

echo "==> npm ci"
npm ci --no-audit --no-fund
