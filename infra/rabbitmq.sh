#!/usr/bin/env bash
# Installs (Debian's rabbitmq-server) and starts/stops RabbitMQ on 127.0.0.1:5672.
# Usage: infra/rabbitmq.sh install|start|stop|status. Idempotent.
# RABBITMQ_NODENAME and RABBITMQ_PORT run a second, separate node (the fault-injection suite
# stops and restarts its own broker without disturbing anything else).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NODE="${RABBITMQ_NODENAME:-edoc@localhost}"
PORT="${RABBITMQ_PORT:-5672}"
CONF="$REPO_ROOT/infra/rabbitmq/rabbitmq.conf"
ETC_CONF="/etc/rabbitmq/edoc-hub-${NODE%@*}.conf"
LOG_DIR=/var/log/rabbitmq

ctl() { as_root timeout 60 env HOME=/var/lib/rabbitmq rabbitmqctl -n "$NODE" "$@"; }

install() { apt_install rabbitmq-server; }

running() { port_open 127.0.0.1 "$PORT" && ctl await_startup --timeout 2 >/dev/null 2>&1; }

start() {
  install
  if running; then log "rabbitmq already running"; return 0; fi
  log "starting rabbitmq ($NODE, 127.0.0.1:$PORT)"
  # The config must be readable by the rabbitmq user, wherever the clone lives.
  sed "s/127.0.0.1:5672/127.0.0.1:$PORT/" "$CONF" | as_root tee "$ETC_CONF" >/dev/null
  as_root chmod 0644 "$ETC_CONF"
  as_root mkdir -p "$LOG_DIR" && as_root chown rabbitmq:rabbitmq "$LOG_DIR"
  as_root su rabbitmq -s /bin/sh -c "cd /var/lib/rabbitmq && \
    HOME=/var/lib/rabbitmq RABBITMQ_NODENAME='$NODE' RABBITMQ_CONFIG_FILE='$ETC_CONF' \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT='$PORT' RABBITMQ_DIST_PORT='$((PORT + 20000))'  ERL_EPMD_ADDRESS=127.0.0.1 \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
    setsid nohup /usr/lib/rabbitmq/bin/rabbitmq-server >'$LOG_DIR/edoc-${NODE%@*}-startup.log' 2>&1 &"
  wait_for "rabbitmq" 120 running
  log "rabbitmq ready"
}

# The node's OS pid, from the pid file RabbitMQ writes (the beam command line does not name it).
node_pid() {
  local f="/var/lib/rabbitmq/mnesia/$NODE.pid"
  [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null && cat "$f"
}

stop() {
  local pid; pid="$(node_pid || true)"
  if [ -z "$pid" ] && ! port_open 127.0.0.1 "$PORT"; then return 0; fi
  log "stopping rabbitmq ($NODE)"
  timeout 30 env HOME=/var/lib/rabbitmq rabbitmqctl -n "$NODE" stop >/dev/null 2>&1 || true
  if [ -n "$pid" ]; then
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    # A node that does not stop in time is killed: quorum queues recover from their logs.
    kill -9 "$pid" 2>/dev/null || true
  fi
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) if running; then echo running; else echo stopped; exit 1; fi ;;
  *) die "usage: $0 install|start|stop|status" ;;
esac
