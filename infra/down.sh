#!/usr/bin/env bash
# Stops what infra/up.sh started: the hub's services, then FerretDB and RabbitMQ.
# `--services-only` leaves the servers running. The federation demo's hubs (up.sh --federation) too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
bash infra/federation.sh stop
if [ -f "$STATE_DIR/services.pids" ]; then
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping $name"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done <"$STATE_DIR/services.pids"
  rm -f "$STATE_DIR/services.pids"
fi
[ "${1:-}" = "--services-only" ] && exit 0
bash infra/ferretdb.sh stop
bash infra/rabbitmq.sh stop
