#!/usr/bin/env bash
# ApplicationStop (CodeDeploy runs it from the previously deployed revision, not on a first
# install). Deliberately stops nothing: stopping here would take the host out of service for the
# whole deployment. ApplicationStart replaces the processes one at a time instead.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

log "nothing stopped: the running release $(link_target "$CURRENT_LINK") keeps serving until ApplicationStart replaces its processes one by one"
