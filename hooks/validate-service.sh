#!/usr/bin/env bash
# ValidateService: every process is the one ApplicationStart proved stable (same pid, no restart
# since, up at least the stability window), answers /health/deep and serves this bundle's version;
# nothing PM2 does not track holds an app port; nginx answers /health itself and proxies
# /health/deep; everything serves this version. Any miss fails the deployment (and CodeDeploy's
# automatic rollback redeploys the last good revision). Then prune old releases.
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

# PM2 runs the process ApplicationStart proved stable, and it has not restarted since.
expect_stable() {
  local port="$1" name pid status restarts uptime proven_pid proven_restarts listener
  name="$(process_name "$port")"
  read -r pid status restarts uptime < <(pm2_state "$name" "$table")
  read -r proven_pid proven_restarts 2>/dev/null <"$STATE_DIR/$port" || proven_pid="none"
  if [[ $status != online ]]; then
    problems+=("process $name is $status in PM2 (restarts: $restarts)")
  elif [[ $pid != "$proven_pid" || $restarts != "${proven_restarts:-}" ]]; then
    problems+=("process $name restarted since ApplicationStart proved it stable: pid $proven_pid -> $pid, restarts ${proven_restarts:-?} -> $restarts")
  elif ((uptime < BUDGET_STABLE_SECONDS)); then
    problems+=("process $name has been up ${uptime}s, less than the ${BUDGET_STABLE_SECONDS}s stability window")
  fi
  for listener in $(port_listeners "$port"); do
    [[ $listener == "$pid" ]] || problems+=("pid $listener holds port $port but is not PM2's process $name")
  done
}

table="$(pm2_table)"
for port in "${APP_PORTS[@]}"; do
  expect_stable "$port"
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
log "release $version validated: ${#APP_PORTS[@]} processes, each stable since ApplicationStart, and nginx serve it"
prune_releases
