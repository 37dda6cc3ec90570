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
#   BLUEGREEN_LISTEN_PORT   80                  nginx's port (the ALB target port)
#   BLUEGREEN_NGINX_BIN     nginx
#   BLUEGREEN_NGINX_PREFIX  ""                  nginx -p (empty: compiled-in prefix)
#   BLUEGREEN_NGINX_CONF    ""                  nginx -c main config (empty: /etc/nginx/nginx.conf)
#   BLUEGREEN_NGINX_SITE    /etc/nginx/conf.d/bluegreen.conf   the site file we own (default site removed)
#   BLUEGREEN_NGINX_PID     /run/nginx.pid      tells whether nginx runs
#   BLUEGREEN_NGINX_SERVICE nginx               systemd unit used to start a stopped nginx ("" = run the binary)
#   BLUEGREEN_KEEP_RELEASES 3                   previous releases kept besides the current one
#   BLUEGREEN_TOOL_NICE     10                  CPU niceness of the PM2 CLI calls (each is a Node start-up)
#
# The app ports and every timing come from the revision's runtime/runtime.json through
# runtime/budget.js (the drain budget), as BLUEGREEN_APP_PORTS and BUDGET_* variables; a host may
# override a setting with its variable: BLUEGREEN_APP_PORTS, BLUEGREEN_DRAIN_SECONDS,
# BLUEGREEN_STABLE_SECONDS, BLUEGREEN_READY_TIMEOUT, BLUEGREEN_UPSTREAM_KEEPALIVE_SECONDS,
# BLUEGREEN_RELOAD_QUIET_SECONDS.
#
# Needs on the host: bash, coreutils, curl, nginx, node >= 22 and pm2 on PATH, runuser (util-linux),
# ss (iproute2).

: "${BLUEGREEN_ROOT:=/opt/bluegreen}"
: "${BLUEGREEN_USER=bluegreen}"
: "${PM2_HOME:=/home/bluegreen/.pm2}"
: "${PM2_BIN:=pm2}"
: "${BLUEGREEN_PM2_SERVICE=pm2-bluegreen}"
: "${BLUEGREEN_LOG_DIR:=/var/log/bluegreen}"
: "${BLUEGREEN_LISTEN_PORT:=80}"
: "${BLUEGREEN_NGINX_BIN:=nginx}"
: "${BLUEGREEN_NGINX_PREFIX:=}"
: "${BLUEGREEN_NGINX_CONF:=}"
: "${BLUEGREEN_NGINX_SITE:=/etc/nginx/conf.d/bluegreen.conf}"
: "${BLUEGREEN_NGINX_PID:=/run/nginx.pid}"
: "${BLUEGREEN_NGINX_SERVICE=nginx}"
: "${BLUEGREEN_KEEP_RELEASES:=3}"
: "${BLUEGREEN_TOOL_NICE:=10}"

# The unpacked revision these hooks belong to (CodeDeploy runs them from its deployment archive).
BUNDLE_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RELEASES_DIR="$BLUEGREEN_ROOT/releases"
CURRENT_LINK="$BLUEGREEN_ROOT/current"
# Set by AfterInstall, consumed by ApplicationStart: the installed but not yet started release.
# shellcheck disable=SC2034 # used by the hooks that source this library
STAGED_LINK="$BLUEGREEN_ROOT/staged"
# What ApplicationStart proved ready and stable, one file per port ("<pid> <restarts>"), for
# ValidateService to tell whether a process restarted since.
STATE_DIR="$BLUEGREEN_ROOT/state"

log() {
  printf '%s [%s deployment=%s application=%s group=%s] %s\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${LIFECYCLE_EVENT:-manual}" "${DEPLOYMENT_ID:-none}" \
    "${APPLICATION_NAME:-none}" "${DEPLOYMENT_GROUP_NAME:-none}" "$*"
}

die() {
  log "FAILED: $*" >&2
  exit 1
}

# The drain budget (runtime/budget.ts): the app ports and BUDGET_* timings, validated there.
command -v node >/dev/null || die "node is not on PATH ($PATH): the hooks need it to read the runtime settings"
budget_values="$(node "$BUNDLE_DIR/runtime/budget.js" shell)" || die "runtime settings of this revision are not usable (message above)"
eval "$budget_values"
read -r -a APP_PORTS <<<"$BLUEGREEN_APP_PORTS"
# The variables that override the settings (BLUEGREEN_APP_PORTS among them, always set by now).
read -r -a BUDGET_SETTINGS <<<"$BUDGET_SETTING_VARIABLES"

# Run <command> every 0.2 s until it succeeds (return 0) or <seconds> have passed (return 1).
wait_until() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
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
# environment: the app ports and the host's overrides of the budget's other settings.
pm2_cli_at() {
  local niceness="$1" settings=() name
  shift
  for name in "${BUDGET_SETTINGS[@]}"; do
    if [[ -n ${!name:-} ]]; then settings+=("$name=${!name}"); fi
  done
  as_app_user nice -n "$niceness" env PATH="$PATH" PM2_HOME="$PM2_HOME" BLUEGREEN_ROOT="$BLUEGREEN_ROOT" \
    BLUEGREEN_LOG_DIR="$BLUEGREEN_LOG_DIR" "${settings[@]}" "$PM2_BIN" "$@"
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

# Fill the release's site template with this host's ports and the budget's timeouts.
render_nginx_site() {
  local template="$1" out="$2" servers="" port
  for port in "${APP_PORTS[@]}"; do
    servers+="    server 127.0.0.1:${port} max_fails=0;"$'\n'
  done
  awk -v listen="$BLUEGREEN_LISTEN_PORT" -v servers="${servers%$'\n'}" \
    -v upstream_keepalive="${BUDGET_UPSTREAM_KEEPALIVE_SECONDS}s" -v proxy_timeout="${BUDGET_PROXY_TIMEOUT_SECONDS}s" \
    -v client_keepalive="${BUDGET_CLIENT_KEEPALIVE_SECONDS}s" '
    /^@UPSTREAM_SERVERS@$/ { print servers; next }
    {
      gsub(/@LISTEN_PORT@/, listen)
      gsub(/@UPSTREAM_KEEPALIVE_TIMEOUT@/, upstream_keepalive)
      gsub(/@PROXY_TIMEOUT@/, proxy_timeout)
      gsub(/@CLIENT_KEEPALIVE_TIMEOUT@/, client_keepalive)
      print
    }' "$template" >"$out"
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

# Client connections nginx holds right now (established on its listening port).
nginx_client_connections() {
  ss -tnH state established "( sport = :$BLUEGREEN_LISTEN_PORT )" | wc -l
}

nginx_quiet() {
  (($(nginx_client_connections) == 0))
}

# Wait (up to BUDGET_RELOAD_QUIET_SECONDS) until no client holds a connection to nginx. A reload
# makes the old workers close their idle client keep-alive connections, and a client sending on
# one at that instant sees a reset; with no client connection there is nothing to reset.
# Returns non-zero if clients stayed connected throughout.
wait_nginx_quiet() {
  local open
  open="$(nginx_client_connections)"
  ((open == 0)) && return 0
  log "waiting up to ${BUDGET_RELOAD_QUIET_SECONDS}s for nginx's $open client connection(s) to close before reloading"
  wait_until "$BUDGET_RELOAD_QUIET_SECONDS" nginx_quiet
}

# Apply a site config that passes `nginx -t`: graceful reload (old workers finish their
# requests), never a restart; start nginx only if it is not running at all (fresh host).
# An unchanged site is not reloaded. A changed one is applied while no client is connected,
# which on a color that is being released (no production traffic, decision 1) comes within
# the ALB's idle timeout; if clients stay connected that long the host is taking traffic, and the
# reload goes ahead with a warning, since keeping the previous site would serve the new release
# with a config it was not tested with.
nginx_apply_site() {
  local candidate="$1"
  if nginx_running && cmp -s "$candidate" "$BLUEGREEN_NGINX_SITE"; then
    log "nginx site unchanged: no reload"
    return 0
  fi
  nginx_try_site "$candidate" || return 1
  rm -f "$BLUEGREEN_NGINX_SITE.previous"
  if nginx_running; then
    if wait_nginx_quiet; then
      log "reloading nginx (no client connected)"
    else
      log "WARNING: reloading nginx with $(nginx_client_connections) client connection(s) open: a client sending on an idle one as the old worker closes it sees a reset"
    fi
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

# PM2's view, one line per process: "<name> <pid> <status> <restarts> <uptime seconds>" (a status
# of several words gets dashes: "waiting-restart").
pm2_table() {
  pm2_cli jlist | node -e '
    let text = "";
    process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
      for (const proc of JSON.parse(text)) {
        const env = proc.pm2_env;
        const uptime = env.status === "online" ? Math.floor((Date.now() - env.pm_uptime) / 1000) : 0;
        console.log([proc.name, proc.pid || 0, env.status.replace(/ /g, "-"), env.restart_time, uptime].join(" "));
      }
    });'
}

# "<pid> <status> <restarts> <uptime seconds>" of process <name> in <table> (pm2_table's output);
# "0 missing 0 0" if it has none.
pm2_state() {
  awk -v name="$1" '$1 == name { print $2, $3, $4, $5; found = 1 } END { if (!found) print "0 missing 0 0" }' <<<"$2"
}

# Pids listening on <port>, whoever they belong to (the hooks run as root).
port_listeners() {
  { ss -ltnpH "sport = :$1" || true; } | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u || true
}

pid_gone() {
  ! kill -0 "$1" 2>/dev/null
}

# Stop <pid> as PM2 would: SIGTERM (the app drains), SIGKILL after <seconds>.
stop_pid() {
  local pid="$1"
  kill -TERM "$pid" 2>/dev/null || return 0
  wait_until "$2" pid_gone "$pid" && return 0
  log "pid $pid still running after ${2}s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

# A process that holds <port> but that PM2 does not track (left behind by crash-looping
# releases, or started by hand) keeps serving an old version and stops PM2's process from
# binding the port. Stop it by the pid that owns the port, and say so.
# <table> is pm2_table's output.
stop_untracked_listeners() {
  local port="$1" table="$2" tracked pid
  tracked=" $(awk '{ printf "%s ", $2 }' <<<"$table")"
  for pid in $(port_listeners "$port"); do
    [[ $tracked == *" $pid "* ]] && continue
    log "port $port is held by pid $pid ($(ps -o args= -p "$pid" 2>/dev/null | cut -c1-100)), which is not tracked by PM2: stopping it"
    stop_pid "$pid" "$BUDGET_ORPHAN_STOP_SECONDS"
  done
}

# The last lines the process on <port> wrote to its error log, to say why it failed (after a
# moment: PM2 writes a dead process's last output after noticing its exit).
app_error_tail() {
  local file="$BLUEGREEN_LOG_DIR/app-$1.err.log"
  sleep 0.5
  [[ -s $file ]] && printf '; its error log ends: %s' "$(tail -n 3 "$file" | tr '\n' ' ' | cut -c1-400)"
  return 0
}

# Wait (until the SECONDS value <deadline>) until PM2's process on <port> takes traffic on
# <version>, i.e. is ready and stable. The app binds its port only after its checks have passed
# for BUDGET_STABLE_SECONDS (app contract); the hook does not take its word for it: the pid PM2
# started must still be alive (a restart always brings a new pid) and up for the window by the
# hook's own clock. A process that exits meanwhile fails at once: a crash in the window is a
# failed release, not something to wait out.
wait_process_stable() {
  local port="$1" version="$2" deadline="$3" name url pid status restarts started=$SECONDS
  name="$(process_name "$port")"
  url="http://127.0.0.1:$port"
  read -r pid status restarts _ < <(pm2_state "$name" "$(pm2_table)")
  if ((pid == 0)); then
    log "process $name is not running after its start (PM2 status $status)$(app_error_tail "$port")"
    return 1
  fi
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log "process $name (pid $pid) exited before it was ready and stable on $version$(app_error_tail "$port")"
      return 1
    fi
    if ((SECONDS - started >= BUDGET_STABLE_SECONDS)) && [[ "$(served_version "$url")" == "$version" ]] &&
      curl -fsS --max-time 2 -o /dev/null "$url/health/deep" 2>/dev/null; then
      mkdir -p "$STATE_DIR"
      printf '%s %s\n' "$pid" "$restarts" >"$STATE_DIR/$port"
      log "process $name ready and stable on $version (pid $pid, up at least ${BUDGET_STABLE_SECONDS}s, no restart)"
      return 0
    fi
    sleep 0.2
  done
  log "process $name did not take traffic with version $version in time: ready within ${BUDGET_READY_TIMEOUT_SECONDS}s, then stable for ${BUDGET_STABLE_SECONDS}s" \
    "(last /health/deep: $(curl -sS --max-time 2 "$url/health/deep" 2>&1 | head -c 300))$(app_error_tail "$port")"
  return 1
}

# Replace the process on <port> with one of the release `current` points to, then wait until it
# is ready and stable; the other processes keep serving meanwhile. First, a process PM2 does not
# know holding the port is stopped. Then PM2's process is deleted (SIGINT, drain, exit, within
# kill_timeout) and started afresh from the release's process file, rather than restarted: a
# restart keeps options the new file leaves out or sets false, and PM2 refuses to restart a
# process waiting for its next crash-loop restart ("Process with pid … already exists").
replace_process() {
  local port="$1" version="$2" name table status
  name="$(process_name "$port")"
  table="$(pm2_table)"
  stop_untracked_listeners "$port" "$table"
  log "replacing $name with $version"
  read -r _ status _ _ < <(pm2_state "$name" "$table")
  if [[ $status != missing ]]; then
    [[ $status == online ]] || log "$name is '$status' in PM2"
    pm2_cli delete "$name" >/dev/null || return 1
  fi
  pm2_cli start "$CURRENT_LINK/runtime/ecosystem.config.js" --only "$name" >/dev/null || return 1
  wait_process_stable "$port" "$version" $((SECONDS + BUDGET_PROCESS_START_SECONDS))
}
