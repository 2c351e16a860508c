#!/usr/bin/env bash
# Builds (Go module proxy, FerretDB v1.24.2 embedded) and starts/stops the MongoDB-protocol
# server on 127.0.0.1:${FERRETDB_PORT:-27017}, SQLite backend under .state/ferretdb.
# Usage: infra/ferretdb.sh build|path|start|stop|status. Idempotent. `path` builds if needed and
# prints the binary (the benchmark bench/ferretdb.bench.ts runs its own instances of it).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${FERRETDB_PORT:-27017}"
DATA="${FERRETDB_DATA:-$STATE_DIR/ferretdb}"
# A second instance (FERRETDB_PORT, e.g. the fault-injection suite's) keeps its own pid and log.
SUFFIX=$([ "$PORT" = 27017 ] || echo "-$PORT")
PIDFILE="$STATE_DIR/ferretdb$SUFFIX.pid"
# FERRETDB_PPROF=PORT serves Go's profiler on 127.0.0.1:PORT (docs/performance.md).
PPROF_ARGS=()
[ -n "${FERRETDB_PPROF:-}" ] && PPROF_ARGS=(-pprof "127.0.0.1:$FERRETDB_PPROF")
SRC="$REPO_ROOT/infra/ferretdb"
# The binary is cached outside the clone, keyed by its sources (go.mod, go.sum, every non-test
# .go file), so warm machines skip the build and a changed source builds a new binary beside
# the old one (a server still running the old binary is not touched).
CACHE="${EDOC_CACHE_DIR:-$HOME/.cache/edoc-hub}"
KEY="$(cd "$SRC" && cat go.mod go.sum $(ls -- *.go | grep -v '_test\.go$') | sha256sum | cut -c1-16)"
BIN="$CACHE/ferretdb-hub-$KEY"

build() {
  [ -x "$BIN" ] && return 0
  command -v go >/dev/null || die "Go is required to build FerretDB (https://go.dev/dl/)"
  log "building FerretDB v1.24.2 (first time only, ~1-2 min)"
  mkdir -p "$CACHE"
  (cd "$SRC" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -o "$BIN.tmp" .) || die "FerretDB build failed"
  mv "$BIN.tmp" "$BIN"
}

running() { port_open 127.0.0.1 "$PORT"; }

start() {
  build
  if running; then log "ferretdb already listening on 127.0.0.1:$PORT"; return 0; fi
  mkdir -p -m 0700 "$DATA"
  log "starting ferretdb (127.0.0.1:$PORT, data $DATA)"
  private_log "$STATE_DIR/ferretdb$SUFFIX.log"
  setsid nohup "$BIN" -listen "127.0.0.1:$PORT" -data "$DATA" "${PPROF_ARGS[@]}" >"$STATE_DIR/ferretdb$SUFFIX.log" 2>&1 &
  echo $! >"$PIDFILE"
  wait_for "ferretdb" 60 running
  log "ferretdb ready"
}

stop() {
  [ -f "$PIDFILE" ] || return 0
  local pid; pid="$(cat "$PIDFILE")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping ferretdb"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE"
}

case "${1:-}" in
  build) build ;;
  path) build && echo "$BIN" ;;
  start) start ;;
  stop) stop ;;
  status) if running; then echo running; else echo stopped; exit 1; fi ;;
  *) die "usage: $0 build|path|start|stop|status" ;;
esac
