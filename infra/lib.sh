#!/usr/bin/env bash
# Shared shell helpers for infra/ scripts. Sourced, never run.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE_DIR="${EDOC_STATE_DIR:-$REPO_ROOT/.state}"
mkdir -p "$STATE_DIR"

log() { printf '\033[1m[infra]\033[0m %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

# Runs a command as root, with sudo when we are not root already.
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# wait_for DESCRIPTION SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local what="$1" secs="$2"; shift 2
  local deadline=$(( $(date +%s) + secs ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || die "$what did not become ready within ${secs}s"
    sleep 0.5
  done
}

# private_log FILE: creates FILE (and its directory, 0750) if missing and makes it 0640, so a
# service's log (request lines, agency ids, errors) is not world-readable whatever the umask.
private_log() {
  local dir; dir="$(dirname "$1")"
  [ -d "$dir" ] || { mkdir -p "$dir"; chmod 0750 "$dir"; }
  [ -e "$1" ] || : >"$1"
  chmod 0640 "$1"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

apt_updated=""
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]} (apt)"
  # policy-rc.d 101 keeps Debian from auto-starting services we start ourselves.
  local prc=/usr/sbin/policy-rc.d created=""
  if [ ! -e "$prc" ]; then printf '#!/bin/sh\nexit 101\n' | as_root tee "$prc" >/dev/null; as_root chmod +x "$prc"; created=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
  [ -n "$created" ] && as_root rm -f "$prc"
  return 0
}

# For a run of tests or benchmarks: starts RabbitMQ and FerretDB where they are not running,
# and stops (on exit) only what it started.
servers_for_this_run() {
  _started=()
  trap 'for s in "${_started[@]}"; do bash "$REPO_ROOT/infra/$s.sh" stop || true; done' EXIT
  for s in rabbitmq ferretdb; do
    if ! bash "$REPO_ROOT/infra/$s.sh" status >/dev/null 2>&1; then
      bash "$REPO_ROOT/infra/$s.sh" start
      _started+=("$s")
    fi
  done
}
