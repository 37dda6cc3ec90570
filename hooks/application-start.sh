#!/usr/bin/env bash
# ApplicationStart: point `current` at the staged release, replace the processes one at a time
# (each drained out of nginx's rotation first, and the next only once the new one is ready and
# stable on the new version), then apply the release's nginx site, reloading only while no
# client is connected. If any step fails, put the previous release back the same way.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version="$(bundle_version)"
staged="$(link_target "$STAGED_LINK")"
[[ -n $staged && -d $staged ]] || die "no staged release: AfterInstall did not complete for $version"
previous="$(link_target "$CURRENT_LINK")"
replaced=()

# Put the previous release back on every process already moved, one at a time, and fail.
# Last moved first: that one is out of rotation (it failed, or was being replaced when the hook
# was terminated), while the ones before it serve the new release; taking one of those down
# first would leave two processes out of rotation at once.
roll_back() {
  local reason="$1" i port previous_version
  if [[ -z $previous ]]; then
    die "$reason (first install: no previous release to return to)"
  fi
  previous_version="$(version_of_stamp "$previous/version.json")"
  log "rolling back to $previous_version: $reason"
  switch_link "$CURRENT_LINK" "$previous"
  for ((i = ${#replaced[@]} - 1; i >= 0; i--)); do
    port="${replaced[i]}"
    replace_process "$port" "$previous_version" || log "process $(process_name "$port") did not come back on $previous_version either"
  done
  die "$reason; release $previous_version is serving again"
}

# CodeDeploy sends SIGTERM when the hook times out: never leave the host half on each release.
trap 'roll_back "ApplicationStart was terminated (CodeDeploy hook timeout?) while replacing processes"' TERM

log "starting release $version from $staged (previous: ${previous:-none})"
ensure_pm2_daemon
switch_link "$CURRENT_LINK" "$staged"
for port in "${APP_PORTS[@]}"; do
  replaced+=("$port")
  replace_process "$port" "$version" ||
    roll_back "process $(process_name "$port") on port $port did not become ready on release $version"
done

nginx_apply_site "$staged/runtime/nginx-site.conf" ||
  roll_back "nginx did not accept the site config of release $version"

pm2_cli save >/dev/null # the process list PM2 resurrects at boot
rm -f "$STAGED_LINK"
log "release $version serving on ports ${APP_PORTS[*]} behind nginx :$BLUEGREEN_LISTEN_PORT"
