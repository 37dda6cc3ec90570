#!/usr/bin/env bash
# EC2 user data for a bluegreen color fleet (Amazon Linux 2023). Rendered by infra/userData.ts,
# which fills in each double-braced placeholder below; the tests check the rendered script.
#
# It prepares the host only: nginx, Node.js 22, PM2, the CodeDeploy agent and the CloudWatch
# agent. The application itself arrives through CodeDeploy (a new instance in a color's Auto
# Scaling group receives that group's last successful revision before it goes InService).
set -euo pipefail

readonly REGION="{{REGION}}"
readonly STACK="{{STACK}}"
readonly APP_USER="bluegreen"
readonly APP_ROOT="/opt/bluegreen"
readonly LOG_DIR="/var/log/bluegreen"
readonly PM2_VERSION="{{PM2_VERSION}}"

log() { printf '%s bootstrap[%s]: %s\n' "$(date -u +%FT%TZ)" "$STACK" "$*"; }

log "installing packages"
# With nodejs22 the only Node.js installed, alternatives' auto mode makes it `node` and `npm`.
# unzip: the CodeDeploy agent unpacks revisions with it (its Ruby fallback is slower).
# iproute (ss): the hooks find which pid holds an app port, and whether nginx has clients.
dnf install -y -q nginx nodejs22 nodejs22-npm ruby wget unzip iproute logrotate amazon-cloudwatch-agent
log "node $(node --version), npm $(npm --version)"

log "creating the application user and directories"
id "$APP_USER" >/dev/null 2>&1 || useradd --system --create-home --home-dir "/home/$APP_USER" --shell /sbin/nologin "$APP_USER"
# The hooks (root) install releases and render the nginx site from them; the app only reads
# them, so a compromised app cannot swap what root loads. It writes only its logs.
install -d -o root -g root -m 0755 "$APP_ROOT" "$APP_ROOT/releases"
install -d -o "$APP_USER" -g "$APP_USER" -m 0755 "$LOG_DIR"
cat >/etc/logrotate.d/bluegreen <<LOGROTATE
${LOG_DIR}/*.log {
    daily
    rotate 7
    maxsize 100M
    compress
    delaycompress
    missingok
    notifempty
    copytruncate
}
LOGROTATE

log "installing PM2 ${PM2_VERSION} and its boot unit"
npm install -g --no-fund --no-audit "pm2@${PM2_VERSION}"
env PATH="$PATH" pm2 startup systemd -u "$APP_USER" --hp "/home/$APP_USER"

log "configuring nginx (the site itself ships with each release)"
# The stock nginx.conf carries its own default server on :80; replace it with one that only
# includes conf.d, where the release's site is the default server.
cat >/etc/nginx/nginx.conf <<'NGINX'
user nginx;
worker_processes auto;
worker_rlimit_nofile 16384;
error_log /var/log/nginx/error.log notice;
pid /run/nginx.pid;
include /usr/share/nginx/modules/*.conf;
events { worker_connections 4096; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format timed '$remote_addr [$time_iso8601] "$request" $status $body_bytes_sent '
                     'rt=$request_time urt=$upstream_response_time ua="$upstream_addr"';
    access_log /var/log/nginx/access.log timed;
    sendfile on;
    server_tokens off;
    include /etc/nginx/conf.d/*.conf;
}
NGINX
nginx -t
systemctl enable --now nginx

log "installing the CodeDeploy agent from the region's own bucket"
installer="$(mktemp)"
wget -q -O "$installer" "https://aws-codedeploy-${REGION}.s3.${REGION}.amazonaws.com/latest/install"
chmod +x "$installer"
"$installer" auto
rm -f "$installer"
systemctl enable --now codedeploy-agent

log "configuring the CloudWatch agent to ship application and nginx logs"
# A wildcard path ships only the newest matching file unless publish_multi_logs is set.
cat >/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json <<CWAGENT
{
  "logs": {
    "logs_collected": {
      "files": {
        "collect_list": [
          { "file_path": "${LOG_DIR}/*.log", "log_group_name": "{{APP_LOG_GROUP}}", "log_stream_name": "{instance_id}/app", "publish_multi_logs": true },
          { "file_path": "/var/log/nginx/*.log", "log_group_name": "{{NGINX_LOG_GROUP}}", "log_stream_name": "{instance_id}/nginx", "publish_multi_logs": true },
          { "file_path": "/opt/codedeploy-agent/deployment-root/deployment-logs/codedeploy-agent-deployments.log", "log_group_name": "{{APP_LOG_GROUP}}", "log_stream_name": "{instance_id}/codedeploy" }
        ]
      }
    }
  }
}
CWAGENT
/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
  -c file:/opt/aws/amazon-cloudwatch-agent/etc/amazon-cloudwatch-agent.json

# `pm2 startup` only enables its unit. Start it now, so the PM2 daemon (and the apps it spawns)
# live in the unit's cgroup from the first deployment on, not in the CodeDeploy agent's, whose
# restart would take them down. Last, so a failure here leaves the rest of the host ready (the
# hooks then start the daemon themselves).
systemctl start "pm2-${APP_USER}"

log "host ready; waiting for CodeDeploy to install the release"
