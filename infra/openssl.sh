#!/usr/bin/env bash
# Installs the openssl command line: the tests' RFC 3161 TSA is `openssl ts -reply`
# (tests/support/tsa.ts). Usage: infra/openssl.sh [install|status]. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install() {
  if command -v openssl >/dev/null; then return 0; fi
  apt_install openssl
  command -v openssl >/dev/null || die "openssl is still missing after installing the openssl package"
}

case "${1:-install}" in
  install) install ;;
  status) if command -v openssl >/dev/null; then openssl version; else echo missing; exit 1; fi ;;
  *) die "usage: $0 [install|status]" ;;
esac
