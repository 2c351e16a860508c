#!/usr/bin/env bash
# A three-hub federation on one machine (liên thông giữa các trục, docs/federation.md): the
# national axis and two provincial hubs, each with its own queue prefix, database, ports,
# receipt key and console, all from one development PKI (the national CA every hub trusts).
#   infra/federation.sh start   (what `bash infra/up.sh --federation` runs, after RabbitMQ and
#                                FerretDB are up) — idempotent: restarts with the current build
#   infra/federation.sh stop    (what `bash infra/down.sh` runs too)
# Directories: infra/federation/{axis,hub-a,hub-b}.json (the axis's names each province's
# agencies with `hub`). Ports: gateway 8543/8643/8743, VDXP listener +1, console +2, ops +3..+7.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

FED="$STATE_DIR/federation"
PKI="$FED/pki"
PIDS="$STATE_DIR/federation.pids"
HUBS=(axis hub-a hub-b)
edoc() { node packages/cli/dist/main.js "$@"; }

base_port() { case "$1" in axis) echo 8543 ;; hub-a) echo 8643 ;; hub-b) echo 8743 ;; esac; }

# Demo agencies with certificates, by the hub that serves them.
agencies() {
  case "$1" in
    axis) echo 000.00.00.G09 ;;                              # Bộ Nội vụ
    hub-a) echo 000.20.30.H45 000.00.30.H45 000.00.02.H45 ;; # Phường 1, TP Tuy Hòa, Sở Nội vụ A
    hub-b) echo 000.00.02.H17 000.20.00.H17 ;;               # Sở Nội vụ B, phường Trung tâm B
  esac
}

# hub_env HUB: the environment of one hub's services (and of `edoc` run against it).
hub_env() {
  local hub="$1" dir="$FED/$1" port; port="$(base_port "$1")"
  export EDOC_HUB_ID="$hub"
  export EDOC_BUS_PREFIX="fed-$hub"
  export EDOC_DB_NAME="fed_${hub//-/_}"
  export EDOC_DIRECTORY_FILE="$REPO_ROOT/infra/federation/$hub.json"
  export EDOC_HUB_KEY="$dir/tls/key.pem" EDOC_HUB_CERT="$dir/tls/cert.pem"
  export EDOC_RECEIPT_CERT="$dir/receipts/cert.pem"
  export EDOC_TRUST_FILE="$PKI/chain.pem" EDOC_CRL_FILES="$PKI/crl.pem,$PKI/root-crl.pem"
  export EDOC_ACTS_FOR_FILE="$dir/acts-for.json"
  export EDOC_SYSTEMS_KEY_FILE="$dir/systems.key"
  export EDOC_CONSOLE_USERS_FILE="$dir/console-users.json"
  export EDOC_GATEWAY_PORT="$port" EDOC_VDXP_PORT=$((port + 1)) EDOC_CONSOLE_PORT=$((port + 2))
  export EDOC_OPS_PORT=$((port + 3)) EDOC_ARCHIVE_OPS_PORT=$((port + 4))
  export EDOC_ROUTER_OPS_PORT=$((port + 5)) EDOC_SIGNER_OPS_PORT=$((port + 6))
  export EDOC_CONSOLE_OPS_PORT=$((port + 7))
  if [ "$hub" = axis ]; then
    unset EDOC_UPSTREAM_URL EDOC_UPSTREAM_SYSTEM_ID EDOC_UPSTREAM_SECRET_FILE EDOC_UPSTREAM_CA
  else
    export EDOC_UPSTREAM_URL="https://localhost:$(($(base_port axis) + 1))"
    export EDOC_UPSTREAM_SYSTEM_ID="$hub" EDOC_UPSTREAM_SECRET_FILE="$dir/upstream.secret"
    export EDOC_UPSTREAM_CA="$PKI/chain.pem"
  fi
}

# One hub's own material: TLS identity, receipt key in its own SoftHSM2 token, systems key,
# a console operator with a random password. The shared PKI issues them one after another.
prepare_hub() {
  local hub="$1" dir="$FED/$1"
  mkdir -p "$dir"
  if [ ! -f "$dir/tls/cert.pem" ]; then
    rm -rf "$PKI/hub"
    edoc pki hub --dir "$PKI" --name "edoc-$hub" >/dev/null
    mv "$PKI/hub" "$dir/tls"
  fi
  if [ ! -f "$dir/receipts/cert.pem" ]; then
    rm -rf "$PKI/receipts"
    edoc pki hub --dir "$PKI" --name "edoc-$hub-receipts" --subdir receipts >/dev/null
    mv "$PKI/receipts" "$dir/receipts"
    bash infra/softhsm.sh token "$dir/hsm" edoc-hub "$dir/receipts/key.pem"
  fi
  [ -f "$dir/acts-for.json" ] || echo '{}' >"$dir/acts-for.json"
  if [ ! -f "$dir/systems.key" ]; then
    ( umask 077
      node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex")+"\n")' >"$dir/systems.key" )
  fi
  if [ ! -f "$dir/console-users.json" ]; then
    ( umask 077
      node -e 'process.stdout.write(require("crypto").randomBytes(12).toString("base64url"))' >"$dir/console-password" )
    edoc console add-user --file "$dir/console-users.json" --username vanhanh --role operator \
      --password-stdin <"$dir/console-password" 2>/dev/null
  fi
  for id in $(agencies "$hub"); do
    [ -f "$PKI/agencies/$id/cert.pem" ] || edoc pki issue --dir "$PKI" --organ "$id" >/dev/null
  done
}

start_hub() {
  local hub="$1" logs="$FED/$1/logs"
  ( hub_env "$hub"
    for svc in signer archive router gateway console; do
      private_log "$logs/$svc.log"
      if [ "$svc" = signer ]; then
        SOFTHSM2_CONF="$FED/$hub/hsm/softhsm2.conf" EDOC_PKCS11_PIN_FILE="$FED/$hub/hsm/pin" \
          setsid nohup node "services/$svc/dist/main.js" >>"$logs/$svc.log" 2>&1 &
      else
        setsid nohup node "services/$svc/dist/main.js" >>"$logs/$svc.log" 2>&1 &
      fi
      echo "$hub-$svc $!" >>"$PIDS"
    done )
  log "started $hub (gateway https://localhost:$(base_port "$hub"), logs $logs)"
}

gateway_up() {
  node -e 'const fs=require("fs");require("https").get(process.argv[1],{ca:fs.readFileSync(process.argv[2])},
    (r)=>process.exit(r.statusCode===200?0:1)).on("error",()=>process.exit(1))' \
    "https://localhost:$1/health" "$PKI/chain.pem"
}

stop_all() {
  [ -f "$PIDS" ] || return 0
  while read -r name pid; do
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping $name"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -9 "$pid" 2>/dev/null || true
    fi
  done <"$PIDS"
  rm -f "$PIDS"
}

start_all() {
  mkdir -p "$FED"
  if [ ! -f "$PKI/pki.json" ]; then
    log "creating the federation's development PKI in $PKI"
    edoc pki init --dir "$PKI" >/dev/null
  fi
  for hub in "${HUBS[@]}"; do prepare_hub "$hub"; done
  edoc pki crl --dir "$PKI" >/dev/null
  stop_all
  : >"$PIDS"

  start_hub axis
  wait_for "the axis's gateway" 60 gateway_up "$(base_port axis)"
  # Each province is a peer-hub system at the axis; its secret goes to the province's link.
  for p in hub-a hub-b; do
    [ -s "$FED/$p/upstream.secret" ] && continue
    out="$(hub_env axis && edoc system add "$p" --peer-hub --name "Trục tỉnh $p")"
    secret="$(printf '%s\n' "$out" | sed -n 's/.*(shown once[^)]*): \([^ ]*\).*/\1/p')"
    [ -n "$secret" ] || die "no secret for $p in: $out"
    ( umask 077; printf '%s\n' "$secret" >"$FED/$p/upstream.secret" )
  done
  for p in hub-a hub-b; do start_hub "$p"; done
  for p in hub-a hub-b; do wait_for "$p's gateway" 60 gateway_up "$(base_port "$p")"; done
  for p in hub-a hub-b; do (hub_env "$p" && edoc directory sync) >/dev/null || log "directory sync of $p failed (see its logs)"; done

  local A="$PKI/agencies"
  cat <<MSG

The federation is up (docs/federation.md):
  axis   https://localhost:8543 (VDXP 8544, console 8545)  Bộ Nội vụ 000.00.00.G09
  hub-a  https://localhost:8643 (VDXP 8644, console 8645)  province A (H45): Phường 1 000.20.30.H45, Sở Nội vụ 000.00.02.H45
  hub-b  https://localhost:8743 (VDXP 8744, console 8745)  province B (H17): Sở Nội vụ 000.00.02.H17
Consoles: user vanhanh, password in $FED/HUB/console-password.

Send a letter from the commune Phường 1 (province A) to Sở Nội vụ of province B, across the axis:

  pnpm -s edoc demo-letter --from 000.20.30.H45 --to 000.00.02.H17 -o /tmp/fed.edxml
  pnpm -s edoc sign /tmp/fed.edxml --key $A/000.20.30.H45/key.pem --cert $A/000.20.30.H45/cert.pem -o /tmp/fed.signed.edxml
  pnpm -s edoc send /tmp/fed.signed.edxml --as 000.20.30.H45 --pki $PKI --gateway https://localhost:8643

Read it in province B a few seconds later (the same HUB_DOCUMENT_ID as send printed: ids derive
from the packet), check the bytes, answer it, and follow it home:

  pnpm -s edoc inbox --as 000.00.02.H17 --pki $PKI --gateway https://localhost:8743
  pnpm -s edoc fetch DELIVERY_ID --as 000.00.02.H17 --pki $PKI --gateway https://localhost:8743 -o /tmp/fed.received.edxml && cmp /tmp/fed.received.edxml /tmp/fed.signed.edxml
  pnpm -s edoc ack DELIVERY_ID --as 000.00.02.H17 --pki $PKI --gateway https://localhost:8743
  pnpm -s edoc status --as 000.00.02.H17 --pki $PKI --gateway https://localhost:8743 --document HUB_DOCUMENT_ID --code 03
  pnpm -s edoc inbox --as 000.20.30.H45 --pki $PKI --gateway https://localhost:8643
  pnpm -s edoc trace HUB_DOCUMENT_ID --as 000.20.30.H45 --pki $PKI --gateway https://localhost:8643

Stop everything with: bash infra/down.sh (or only the three hubs: bash infra/federation.sh stop)
MSG
}

case "${1:-}" in
  start) start_all ;;
  stop) stop_all ;;
  *) die "usage: infra/federation.sh start|stop" ;;
esac
