#!/usr/bin/env bash
# AfterInstall: copy the revision into its own release directory beside the running one, render
# its nginx site and prove it with `nginx -t`, then mark it staged for ApplicationStart.
# Nothing that serves traffic changes here.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

version="$(bundle_version)"
current="$(link_target "$CURRENT_LINK")"
release="$RELEASES_DIR/$version"
# Redeploying the version that is serving: install beside it rather than over it.
[[ $release == "$current" ]] && release="$RELEASES_DIR/$version-${DEPLOYMENT_ID:-redeploy}"

incoming="$RELEASES_DIR/.incoming.${DEPLOYMENT_ID:-manual}"
rm -rf -- "$incoming"
trap 'rm -rf -- "$incoming"' EXIT
log "installing release $version into $release"
cp -a "$BUNDLE_DIR/." "$incoming/"
render_nginx_site "$incoming/runtime/nginx-site.conf.template" "$incoming/runtime/nginx-site.conf"

# Test the whole nginx configuration with this site in it, then put the serving one back:
# the new site is applied in ApplicationStart, after the processes run the new release.
nginx_try_site "$incoming/runtime/nginx-site.conf" ||
  die "nginx -t rejected the nginx site of release $version; nothing changed, $current keeps serving"
nginx_restore_site

rm -rf -- "$release"
mv -T "$incoming" "$release"
touch "$release" # prune_releases orders releases by install time
switch_link "$STAGED_LINK" "$release"
log "release $version installed at $release and staged"
