#!/usr/bin/env bash
# Brings up the whole hub on this machine with the demo network: installs what is missing,
# starts RabbitMQ and FerretDB, creates a development PKI (hub and demo agency certificates),
# then starts archive, router and gateway in the background. Idempotent: re-running restarts
# the services with the current build. Stop everything with infra/down.sh.
# `--federation`: instead, three hubs (the national axis and two provinces) linked to each
# other, see infra/federation.sh and docs/federation.md.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash infra/bootstrap.sh
bash infra/rabbitmq.sh start
bash infra/ferretdb.sh start
[ "${1:-}" = "--federation" ] && exec bash infra/federation.sh start

PKI="$STATE_DIR/pki"
LOGS="$STATE_DIR/logs"
edoc() { node packages/cli/dist/main.js "$@"; }

# Demo agencies with certificates: a commune, its district (which also hosts the mailbox of a
# second commune), a department and the provincial People's Committee.
COMMUNE=000.20.30.H45      # UBND Phường 1, TP Tuy Hòa
DISTRICT=000.00.30.H45     # UBND TP Tuy Hòa
HOSTED=000.22.30.H45       # UBND xã Bình Kiến (mailbox hosted by the district's system)
DEPARTMENT=000.00.02.H45   # Sở Nội vụ
PROVINCE=000.00.00.H45     # UBND tỉnh Phú Yên

# Certificates name the CA's distribution point (served below by `edoc pki serve`), so
# `edoc pki revoke` reaches the gateway without a restart (docs/operations.md).
CRL_PORT="${EDOC_CRL_PORT:-8480}"
if [ ! -f "$PKI/pki.json" ]; then
  log "creating the development PKI in $PKI"
  edoc pki init --dir "$PKI" --crl-url "http://127.0.0.1:$CRL_PORT" >/dev/null
fi
[ -f "$PKI/hub/cert.pem" ] || edoc pki hub --dir "$PKI" >/dev/null
# The receipt key: its own hub certificate, the key imported into the SoftHSM2 token (only the
# signer opens it) and deleted from disk. The TLS key above stays a file.
HSM="$STATE_DIR/hsm"
if [ ! -f "$PKI/receipts/cert.pem" ]; then
  edoc pki hub --dir "$PKI" --name edoc-hub-receipts --subdir receipts >/dev/null
  bash infra/softhsm.sh token "$HSM" edoc-hub "$PKI/receipts/key.pem"
fi
for id in $COMMUNE $DISTRICT $DEPARTMENT $PROVINCE; do
  [ -f "$PKI/agencies/$id/cert.pem" ] || edoc pki issue --dir "$PKI" --organ "$id" >/dev/null
done
edoc pki crl --dir "$PKI" >/dev/null
printf '{ "%s": ["%s"] }\n' "$DISTRICT" "$HOSTED" >"$STATE_DIR/acts-for.json"

export EDOC_HUB_KEY="$PKI/hub/key.pem"
export EDOC_HUB_CERT="$PKI/hub/cert.pem"
export EDOC_RECEIPT_CERT="$PKI/receipts/cert.pem"
export EDOC_TRUST_FILE="$PKI/chain.pem"
export EDOC_CRL_FILES="$PKI/crl.pem,$PKI/root-crl.pem"
export EDOC_ACTS_FOR_FILE="$STATE_DIR/acts-for.json"
export EDOC_GATEWAY_PORT="${EDOC_GATEWAY_PORT:-8443}"
export EDOC_CONSOLE_PORT="${EDOC_CONSOLE_PORT:-8444}"
# The national axis protocol's listener (VDXP) and the key its systems' secrets are sealed with
# (AES-256-GCM; the gateway and `edoc system` read it).
export EDOC_VDXP_PORT="${EDOC_VDXP_PORT:-8445}"
export EDOC_SYSTEMS_KEY_FILE="$STATE_DIR/systems.key"
if [ ! -f "$EDOC_SYSTEMS_KEY_FILE" ]; then
  ( umask 077
    node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("hex")+"\n")' >"$EDOC_SYSTEMS_KEY_FILE" )
fi

# The operators' console: a first operator account with a random password, kept 0600 beside it.
export EDOC_CONSOLE_USERS_FILE="$STATE_DIR/console-users.json"
if [ ! -f "$EDOC_CONSOLE_USERS_FILE" ]; then
  ( umask 077
    node -e 'process.stdout.write(require("crypto").randomBytes(12).toString("base64url"))' >"$STATE_DIR/console-password" )
  edoc console add-user --file "$EDOC_CONSOLE_USERS_FILE" --username vanhanh --role operator \
    --password-stdin <"$STATE_DIR/console-password" 2>/dev/null
fi

bash infra/down.sh --services-only
: >"$STATE_DIR/services.pids"
private_log "$LOGS/crl.log"
setsid nohup node packages/cli/dist/main.js pki serve --dir "$PKI" --port "$CRL_PORT" >>"$LOGS/crl.log" 2>&1 &
echo "crl $!" >>"$STATE_DIR/services.pids"
log "started the CRL distribution point on 127.0.0.1:$CRL_PORT (pid $!)"
for svc in signer archive router gateway console; do
  private_log "$LOGS/$svc.log"
  # Only the signer is told where the token and its PIN are.
  if [ "$svc" = signer ]; then
    SOFTHSM2_CONF="$HSM/softhsm2.conf" EDOC_PKCS11_PIN_FILE="$HSM/pin" \
      setsid nohup node "services/$svc/dist/main.js" >>"$LOGS/$svc.log" 2>&1 &
  else
    setsid nohup node "services/$svc/dist/main.js" >>"$LOGS/$svc.log" 2>&1 &
  fi
  echo "$svc $!" >>"$STATE_DIR/services.pids"
  log "started $svc (pid $!, log $LOGS/$svc.log)"
done

gateway_up() {
  node -e 'const fs=require("fs");require("https").get(process.argv[1],{ca:fs.readFileSync(process.argv[2])},
    (r)=>process.exit(r.statusCode===200?0:1)).on("error",()=>process.exit(1))' \
    "https://localhost:$EDOC_GATEWAY_PORT/health" "$PKI/chain.pem"
}
wait_for "gateway" 60 gateway_up

A="$PKI/agencies"
cat <<MSG

The hub is up: https://localhost:$EDOC_GATEWAY_PORT/api/v1 (mutual TLS), metrics on http://127.0.0.1:9464/metrics.
Operators' console: https://localhost:$EDOC_CONSOLE_PORT/ (user vanhanh, password in
$STATE_DIR/console-password; more accounts: pnpm -s edoc console add-user, see docs/operator-guide.md).
Demo agencies with certificates under $A: $COMMUNE (Phường 1), $DISTRICT (TP Tuy Hòa,
also acting for $HOSTED), $DEPARTMENT (Sở Nội vụ), $PROVINCE (UBND tỉnh).

Send a first letter from Phường 1 to TP Tuy Hòa and Sở Nội vụ, then read it as Sở Nội vụ:

  pnpm -s edoc demo-letter --from $COMMUNE --to $DISTRICT --to $DEPARTMENT -o /tmp/letter.edxml
  pnpm -s edoc sign /tmp/letter.edxml --key $A/$COMMUNE/key.pem --cert $A/$COMMUNE/cert.pem -o /tmp/letter.signed.edxml
  pnpm -s edoc send /tmp/letter.signed.edxml --as $COMMUNE
  pnpm -s edoc inbox --as $DEPARTMENT
  pnpm -s edoc fetch DELIVERY_ID --as $DEPARTMENT -o /tmp/received.edxml && pnpm -s edoc verify /tmp/received.edxml --trust $PKI/chain.pem
  pnpm -s edoc ack DELIVERY_ID --as $DEPARTMENT
  pnpm -s edoc status --as $DEPARTMENT --document HUB_DOCUMENT_ID --code 03
  pnpm -s edoc trace HUB_DOCUMENT_ID --as $COMMUNE

An agency system built on the national axis SDK connects to https://localhost:$EDOC_VDXP_PORT/
with a system id and secret made by (the secret is shown once; see docs/vdxp.md):

  EDOC_SYSTEMS_KEY_FILE=$EDOC_SYSTEMS_KEY_FILE pnpm -s edoc system add vxp.demo --organ $DEPARTMENT

(--as ORGANID picks $A/ORGANID/{cert,key}.pem and the hub at https://localhost:$EDOC_GATEWAY_PORT;
see docs/operations.md.) Stop everything with: bash infra/down.sh
MSG
