#!/usr/bin/env bash
# Stops everything `infra/up.sh` started: the hub's services, FerretDB and RabbitMQ.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
if [ -f "$STATE_DIR/services.pids" ]; then
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then log "stopping $name"; kill "$pid" 2>/dev/null || true; fi
  done <"$STATE_DIR/services.pids"
  rm -f "$STATE_DIR/services.pids"
fi
bash infra/ferretdb.sh stop
bash infra/rabbitmq.sh stop
