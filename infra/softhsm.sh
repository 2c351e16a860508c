#!/usr/bin/env bash
# SoftHSM2, the embedded PKCS#11 token that holds the hub's receipt-signing key.
#   softhsm.sh install                      apt package (softhsm2)
#   softhsm.sh token DIR LABEL [KEY.pem]    a token labelled LABEL in DIR (config, tokens, pin),
#                                           then KEY.pem imported as key "hub-receipts" and
#                                           deleted from disk. Idempotent.
# The token's config is DIR/softhsm2.conf (SOFTHSM2_CONF), its user PIN DIR/pin (0600).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

case "${1:-}" in
  install) apt_install softhsm2 ;;
  token)
    dir="$2" label="$3" key="${4:-}"
    mkdir -p "$dir/tokens"
    chmod 0700 "$dir" "$dir/tokens"
    export SOFTHSM2_CONF="$dir/softhsm2.conf"
    [ -f "$SOFTHSM2_CONF" ] ||
      printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
        "$dir/tokens" >"$SOFTHSM2_CONF"
    [ -f "$dir/pin" ] || ( umask 077; openssl rand -hex 16 >"$dir/pin" )
    if ! softhsm2-util --show-slots | grep -q "Label: *$label *$"; then
      softhsm2-util --init-token --free --label "$label" --pin "$(cat "$dir/pin")" \
        --so-pin "$(openssl rand -hex 16)" >/dev/null
    fi
    if [ -n "$key" ] && [ -f "$key" ]; then
      softhsm2-util --import "$key" --token "$label" --label hub-receipts --id 01 \
        --pin "$(cat "$dir/pin")" >/dev/null
      # The key now lives only in the token.
      shred -u "$key" 2>/dev/null || rm -f "$key"
    fi
    ;;
  *) die "usage: softhsm.sh install | token DIR LABEL [KEY.pem]" ;;
esac
