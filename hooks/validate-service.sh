#!/usr/bin/env bash
# ValidateService: every process answers /health/deep, nginx answers /health itself and proxies
# /health/deep, and everything serves this bundle's version. Any miss fails the deployment (and
# CodeDeploy's automatic rollback redeploys the last good revision). Then prune old releases.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version="$(bundle_version)"
problems=()

# <what> <url>: a 2xx answer within 2 s.
expect_ok() {
  curl -fsS --max-time 2 -o /dev/null "$2" 2>/dev/null || problems+=("$1 does not answer $2")
}

expect_version() {
  local served
  served="$(served_version "$2")"
  [[ $served == "$version" ]] || problems+=("$1 serves version '${served:-nothing}', expected '$version'")
}

for port in "${APP_PORTS[@]}"; do
  expect_ok "process $(process_name "$port")" "http://127.0.0.1:$port/health/deep"
  expect_version "process $(process_name "$port")" "http://127.0.0.1:$port"
done
nginx_url="http://127.0.0.1:$BLUEGREEN_LISTEN_PORT"
expect_ok nginx "$nginx_url/health"
expect_ok "nginx -> app" "$nginx_url/health/deep"
expect_version "nginx -> app" "$nginx_url"

if ((${#problems[@]})); then
  for problem in "${problems[@]}"; do log "FAILED: $problem" >&2; done
  die "release $version is not healthy (${#problems[@]} problem(s) above)"
fi
log "release $version validated: ${#APP_PORTS[@]} processes and nginx serve it"
prune_releases
