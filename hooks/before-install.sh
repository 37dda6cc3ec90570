#!/usr/bin/env bash
# BeforeInstall: check the host can take this release and prepare the directories, without
# touching what is serving.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version="$(bundle_version)"
log "preparing host for release $version"

for tool in "$BLUEGREEN_NGINX_BIN" "$PM2_BIN" curl node ss; do
  command -v "$tool" >/dev/null || die "required tool '$tool' is not on PATH ($PATH)"
done
[[ -f $BUNDLE_DIR/app/main.js ]] || die "bundle has no app/main.js: was it built with npm run bundle?"

mkdir -p "$RELEASES_DIR" "$BLUEGREEN_LOG_DIR"
if [[ -n $BLUEGREEN_USER ]]; then chown "$BLUEGREEN_USER:" "$BLUEGREEN_LOG_DIR"; fi

# Leftovers of a deployment that died half-way (its AfterInstall never finished).
find "$RELEASES_DIR" -mindepth 1 -maxdepth 1 -name '.incoming.*' -exec rm -rf -- {} +
rm -f "$STAGED_LINK"
log "host ready: root $BLUEGREEN_ROOT, current release $(link_target "$CURRENT_LINK")"
