#!/usr/bin/env bash
# A three-node RabbitMQ cluster on this one machine, for the scale-out and failover tests:
# nodes edoc-c1..3@localhost, AMQP on 127.0.0.1:5681-5683, Erlang distribution on
# 127.0.0.1:25681-25683 (epmd on loopback too), one Erlang cookie (the rabbitmq user's, which
# every node on this machine shares), joined into one cluster with edoc-c1 as the seed.
# The shared node on 5672 (infra/rabbitmq.sh) is never touched.
#
# Usage: infra/rabbitmq-cluster.sh start|stop|status|stop-node N|start-node N
#   start         starts the missing nodes and joins them (idempotent)
#   stop          stops the three nodes and deletes their data: the next start is a fresh cluster
#   status        "running" when all three run and see each other as one cluster (exit 1 otherwise)
#   stop-node N   stops node N only (a failure, as the tests make one); its data stays
#   start-node N  starts node N again; it rejoins the cluster from its data
# RABBITMQ_CLUSTER_PORT (5681) moves the three ports (base, base+1, base+2).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BASE="${RABBITMQ_CLUSTER_PORT:-5681}"
MNESIA=/var/lib/rabbitmq/mnesia

node_name() { echo "edoc-c$1@localhost"; }
node_port() { echo $((BASE + $1 - 1)); }
# Each node through the single-node script, which already keeps it on loopback with its own
# name, port, config file, pid file and dist port (AMQP port + 20000).
node_sh() { RABBITMQ_NODENAME="$(node_name "$2")" RABBITMQ_PORT="$(node_port "$2")" bash "$REPO_ROOT/infra/rabbitmq.sh" "$1"; }
ctl_n() { local n="$1"; shift; as_root timeout 60 env HOME=/var/lib/rabbitmq rabbitmqctl -n "$(node_name "$n")" "$@"; }

# The cluster's running members as node 1 (or $1) sees them, one per line.
running_members() {
  ctl_n "${1:-1}" cluster_status --formatter json 2>/dev/null |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{for(const n of JSON.parse(s).running_nodes)console.log(n)}catch{}})'
}

joined() { running_members "$1" | grep -qx "$(node_name 1)"; }

start_node() {
  node_sh start "$1"
  [ "$1" = 1 ] && return 0
  if ! joined "$1"; then
    log "joining $(node_name "$1") to $(node_name 1)"
    ctl_n "$1" stop_app >/dev/null
    ctl_n "$1" join_cluster "$(node_name 1)" >/dev/null
    ctl_n "$1" start_app >/dev/null
  fi
}

start() {
  bash "$REPO_ROOT/infra/rabbitmq.sh" install
  # Node 1 first (the seed), then the others join it; a node already joined only starts.
  for n in 1 2 3; do start_node "$n"; done
  wait_for "three-node cluster" 120 all_running
  log "rabbitmq cluster ready: 127.0.0.1:$(node_port 1),$(node_port 2),$(node_port 3)"
}

all_running() { [ "$(running_members 1 | grep -c '^edoc-c[123]@localhost$')" = 3 ]; }

stop() {
  for n in 3 2 1; do node_sh stop "$n"; done
  # Fresh next time: a cluster restarted from old data waits for the node that stopped last.
  for n in 1 2 3; do
    as_root rm -rf "$MNESIA/$(node_name "$n")" "$MNESIA/$(node_name "$n")"-* "$MNESIA/$(node_name "$n").pid"
  done
}

node_arg() { [[ "${1:-}" =~ ^[123]$ ]] || die "node number 1, 2 or 3 expected"; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if all_running; then echo running; else echo stopped; exit 1; fi ;;
  stop-node) node_arg "${2:-}"; node_sh stop "$2" ;;
  start-node) node_arg "${2:-}"; start_node "$2" ;;
  *) die "usage: $0 start|stop|status|stop-node N|start-node N" ;;
esac
