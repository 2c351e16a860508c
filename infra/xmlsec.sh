#!/usr/bin/env bash
# Installs the reference tools the tests check the hub against: xmlsec1 (Debian's libxmlsec1
# command-line tool, OpenSSL backend) for XML-DSig interoperability, and the openssl command,
# whose `openssl ts -reply` is the tests' RFC 3161 TSA (tests/support/tsa.ts).
# Usage: infra/xmlsec.sh [install|status]. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install() {
  for tool in xmlsec1 openssl; do
    if command -v "$tool" >/dev/null; then continue; fi
    apt_install "$tool"
    command -v "$tool" >/dev/null || die "$tool is still missing after installing the $tool package"
  done
}

case "${1:-install}" in
  install) install ;;
  status) if command -v xmlsec1 >/dev/null && command -v openssl >/dev/null; then xmlsec1 --version; openssl version; else echo missing; exit 1; fi ;;
  *) die "usage: $0 [install|status]" ;;
esac
