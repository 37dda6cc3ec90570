# shellcheck shell=bash
# Shared library of the CodeDeploy lifecycle hooks; sourced by hooks/*.sh, never run on its own.
#
# Host layout. The defaults are what the EC2 user data provides; every one can be overridden from
# the environment so the same hooks run in tests (temp dir, high ports, current user, no systemd).
#
#   BLUEGREEN_ROOT          /opt/bluegreen      releases/<version>/, current -> releases/<version>
#   BLUEGREEN_USER          bluegreen           runs PM2 and the app ("" = the user running the hook)
#   PM2_HOME                /home/bluegreen/.pm2  (PM2 resurrected at boot: pm2 startup systemd -u bluegreen)
#   PM2_BIN                 pm2                 PM2 7.0.4, installed as a tool (AGPL: never a dependency)
#   BLUEGREEN_PM2_SERVICE   pm2-bluegreen       systemd unit that owns the PM2 daemon ("" = start it with `pm2 ping`)
#   BLUEGREEN_LOG_DIR       /var/log/bluegreen  app logs, collected by the CloudWatch agent
#   BLUEGREEN_APP_PORTS     "3001 3002 3003 3004"   one PM2 process per port, bound to 127.0.0.1
#   BLUEGREEN_LISTEN_PORT   80                  nginx's port (the ALB target port)
#   BLUEGREEN_NGINX_BIN     nginx
#   BLUEGREEN_NGINX_PREFIX  ""                  nginx -p (empty: compiled-in prefix)
#   BLUEGREEN_NGINX_CONF    ""                  nginx -c main config (empty: /etc/nginx/nginx.conf)
#   BLUEGREEN_NGINX_SITE    /etc/nginx/conf.d/bluegreen.conf   the site file we own (default site removed)
#   BLUEGREEN_NGINX_PID     /run/nginx.pid      tells whether nginx runs
#   BLUEGREEN_NGINX_SERVICE nginx               systemd unit used to start a stopped nginx ("" = run the binary)
#   BLUEGREEN_KEEP_RELEASES 3                   previous releases kept besides the current one
#   BLUEGREEN_READY_TIMEOUT 30                  seconds one process may take to answer /health/deep
#   BLUEGREEN_TOOL_NICE     10                  CPU niceness of the PM2 CLI calls (each is a Node start-up)
#
# Needs on the host: bash, coreutils, curl, nginx, node >= 22 and pm2 on PATH, runuser (util-linux).

: "${BLUEGREEN_ROOT:=/opt/bluegreen}"
: "${BLUEGREEN_USER=bluegreen}"
: "${PM2_HOME:=/home/bluegreen/.pm2}"
: "${PM2_BIN:=pm2}"
: "${BLUEGREEN_PM2_SERVICE=pm2-bluegreen}"
: "${BLUEGREEN_LOG_DIR:=/var/log/bluegreen}"
: "${BLUEGREEN_APP_PORTS:=3001 3002 3003 3004}"
: "${BLUEGREEN_LISTEN_PORT:=80}"
: "${BLUEGREEN_NGINX_BIN:=nginx}"
: "${BLUEGREEN_NGINX_PREFIX:=}"
: "${BLUEGREEN_NGINX_CONF:=}"
: "${BLUEGREEN_NGINX_SITE:=/etc/nginx/conf.d/bluegreen.conf}"
: "${BLUEGREEN_NGINX_PID:=/run/nginx.pid}"
: "${BLUEGREEN_NGINX_SERVICE=nginx}"
: "${BLUEGREEN_KEEP_RELEASES:=3}"
: "${BLUEGREEN_READY_TIMEOUT:=30}"
: "${BLUEGREEN_TOOL_NICE:=10}"

# The unpacked revision these hooks belong to (CodeDeploy runs them from its deployment archive).
BUNDLE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RELEASES_DIR="$BLUEGREEN_ROOT/releases"
CURRENT_LINK="$BLUEGREEN_ROOT/current"
# Set by AfterInstall, consumed by ApplicationStart: the installed but not yet started release.
# shellcheck disable=SC2034 # used by the hooks that source this library
STAGED_LINK="$BLUEGREEN_ROOT/staged"
read -r -a APP_PORTS <<<"$BLUEGREEN_APP_PORTS"

log() {
  printf '%s [%s deployment=%s application=%s group=%s] %s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${LIFECYCLE_EVENT:-manual}" "${DEPLOYMENT_ID:-none}" \
    "${APPLICATION_NAME:-none}" "${DEPLOYMENT_GROUP_NAME:-none}" "$*"
}

die() {
  log "FAILED: $*" >&2
  exit 1
}

# --- versions -------------------------------------------------------------------------------

# The "version" field of a version.json written by scripts/bundle.ts (one field per line).
version_of_stamp() {
  sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$1"
}

bundle_version() {
  local stamp="$BUNDLE_DIR/version.json" version
  [[ -f $stamp ]] || die "bundle has no version.json at $stamp"
  version="$(version_of_stamp "$stamp")"
  [[ -n $version ]] || die "no version in $stamp"
  printf '%s\n' "$version"
}

# The version a process (or nginx) serves at <base-url>/version, empty if it does not answer
# (never a failure status: callers compare the text).
served_version() {
  { curl -fsS --max-time 2 "$1/version" 2>/dev/null || true; } | sed -n 's/.*"version":"\([^"]*\)".*/\1/p'
}

# --- releases -------------------------------------------------------------------------------

# Absolute path of the release a symlink (current, staged) points to; empty if none.
link_target() {
  if [[ -L $1 ]]; then readlink -f "$1"; fi
}

# Repoint a symlink atomically: a new link renamed over the old one, never a moment without it.
switch_link() {
  local link="$1" target="$2"
  ln -sfn "$target" "$link.new.$$"
  mv -Tf "$link.new.$$" "$link"
}

# Delete the oldest releases beyond BLUEGREEN_KEEP_RELEASES, never the current one.
prune_releases() {
  local current kept=0 dir
  current="$(link_target "$CURRENT_LINK")"
  while IFS= read -r dir; do
    [[ $dir == "$current" ]] && continue
    if ((kept < BLUEGREEN_KEEP_RELEASES)); then
      kept=$((kept + 1))
    else
      log "pruning old release $dir"
      rm -rf -- "$dir"
    fi
  done < <(find "$RELEASES_DIR" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%T@ %p\n' | sort -rn | cut -d' ' -f2-)
}

# --- running things as the app user ---------------------------------------------------------

as_app_user() {
  if [[ -z $BLUEGREEN_USER || $BLUEGREEN_USER == "$(id -un)" ]]; then
    "$@"
  else
    runuser -u "$BLUEGREEN_USER" -- "$@"
  fi
}

# PM2 CLI as the app user at CPU niceness <n>, with what the ecosystem file reads from the
# environment.
pm2_cli_at() {
  local niceness="$1"
  shift
  as_app_user nice -n "$niceness" env PATH="$PATH" PM2_HOME="$PM2_HOME" BLUEGREEN_ROOT="$BLUEGREEN_ROOT" \
    BLUEGREEN_LOG_DIR="$BLUEGREEN_LOG_DIR" BLUEGREEN_APP_PORTS="$BLUEGREEN_APP_PORTS" \
    BLUEGREEN_READY_TIMEOUT="$BLUEGREEN_READY_TIMEOUT" "$PM2_BIN" "$@"
}

# The release tooling yields the CPU to the processes serving traffic: on a small instance a
# CLI start-up competing with them shows up in the latency of the requests in flight.
pm2_cli() {
  pm2_cli_at "$BLUEGREEN_TOOL_NICE" "$@"
}

pm2_daemon_running() {
  local pid_file="$PM2_HOME/pm2.pid"
  [[ -s $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

# PM2's daemon spawns the app processes, which inherit its priority and its cgroup: make sure it
# runs, at normal priority, preferably under its systemd unit (started at boot on EC2). A daemon
# started from a hook would live in the CodeDeploy agent's cgroup and die with the agent.
ensure_pm2_daemon() {
  pm2_daemon_running && return 0
  if [[ -n $BLUEGREEN_PM2_SERVICE ]]; then
    log "PM2 daemon not running: starting $BLUEGREEN_PM2_SERVICE"
    systemctl start "$BLUEGREEN_PM2_SERVICE" || log "WARNING: systemctl start $BLUEGREEN_PM2_SERVICE failed"
    pm2_daemon_running && return 0
  fi
  log "PM2 daemon not running: starting it directly"
  pm2_cli_at 0 ping >/dev/null
}

# --- nginx ----------------------------------------------------------------------------------

nginx_cli() {
  local args=()
  [[ -n $BLUEGREEN_NGINX_PREFIX ]] && args+=(-p "$BLUEGREEN_NGINX_PREFIX")
  [[ -n $BLUEGREEN_NGINX_CONF ]] && args+=(-c "$BLUEGREEN_NGINX_CONF")
  "$BLUEGREEN_NGINX_BIN" "${args[@]}" "$@"
}

nginx_running() {
  [[ -s $BLUEGREEN_NGINX_PID ]] && kill -0 "$(cat "$BLUEGREEN_NGINX_PID")" 2>/dev/null
}

# Fill the release's site template with this host's ports.
render_nginx_site() {
  local template="$1" out="$2" servers="" port
  for port in "${APP_PORTS[@]}"; do
    servers+="    server 127.0.0.1:${port} max_fails=0;"$'\n'
  done
  awk -v listen="$BLUEGREEN_LISTEN_PORT" -v servers="${servers%$'\n'}" '
    /^@UPSTREAM_SERVERS@$/ { print servers; next }
    { gsub(/@LISTEN_PORT@/, listen); print }' "$template" >"$out"
}

# Put <candidate> in place of the site file and run `nginx -t`. On failure the previous site
# file is back in place and nginx's complaint is logged; returns non-zero.
nginx_try_site() {
  local candidate="$1" site="$BLUEGREEN_NGINX_SITE" output
  if [[ -f $site ]]; then cp -p "$site" "$site.previous"; else rm -f "$site.previous"; fi
  cp "$candidate" "$site.new.$$" && mv -f "$site.new.$$" "$site"
  if ! output="$(nginx_cli -t 2>&1)"; then
    log "nginx -t rejected the site config from $candidate:"
    printf '%s\n' "$output" >&2
    nginx_restore_site
    return 1
  fi
}

nginx_restore_site() {
  local site="$BLUEGREEN_NGINX_SITE"
  if [[ -f $site.previous ]]; then mv -f "$site.previous" "$site"; else rm -f "$site"; fi
}

# Apply a site config that passes `nginx -t`: graceful reload (old workers finish their
# requests), never a restart; start nginx only if it is not running at all (fresh host).
# An unchanged site is not reloaded: a reload makes the old workers close their idle client
# keep-alive connections, and a client that sends on one at that instant sees a reset.
nginx_apply_site() {
  local candidate="$1"
  if nginx_running && cmp -s "$candidate" "$BLUEGREEN_NGINX_SITE"; then
    log "nginx site unchanged: no reload"
    return 0
  fi
  nginx_try_site "$candidate" || return 1
  rm -f "$BLUEGREEN_NGINX_SITE.previous"
  if nginx_running; then
    log "reloading nginx"
    nginx_cli -s reload
  elif [[ -n $BLUEGREEN_NGINX_SERVICE ]]; then
    log "nginx is not running: starting systemd unit $BLUEGREEN_NGINX_SERVICE"
    systemctl start "$BLUEGREEN_NGINX_SERVICE"
  else
    log "nginx is not running: starting it"
    nginx_cli
  fi
}

# --- processes ------------------------------------------------------------------------------

process_name() {
  printf 'bluegreen-%s\n' "$1"
}

# Wait until the process on <port> answers /health/deep and serves <version>.
wait_process_ready() {
  local port="$1" version="$2" deadline=$((SECONDS + BLUEGREEN_READY_TIMEOUT))
  local url="http://127.0.0.1:$port"
  while ((SECONDS < deadline)); do
    if curl -fsS --max-time 2 -o /dev/null "$url/health/deep" 2>/dev/null &&
      [[ "$(served_version "$url")" == "$version" ]]; then
      return 0
    fi
    sleep 0.2
  done
  log "process $(process_name "$port") did not become ready with version $version within ${BLUEGREEN_READY_TIMEOUT}s" \
    "(last /health/deep: $(curl -sS --max-time 2 "$url/health/deep" 2>&1 | head -c 300))"
  return 1
}

# (Re)start the process on <port> from the release `current` points to, then wait for it.
# PM2 restarts an existing process (SIGINT, drain, start) or starts a missing one (first install);
# the other processes keep serving meanwhile. One PM2 CLI call: each costs a Node start-up.
replace_process() {
  local port="$1" version="$2" name
  name="$(process_name "$port")"
  log "replacing $name with $version"
  pm2_cli startOrReload "$CURRENT_LINK/runtime/ecosystem.config.js" --only "$name" >/dev/null || return 1
  wait_process_ready "$port" "$version"
}
