#!/usr/bin/env bash
# Installs xmlsec1 (Debian's libxmlsec1 command-line tool, OpenSSL backend), the reference
# XML-DSig implementation the signature package's interoperability test runs against.
# Usage: infra/xmlsec.sh [install|status]. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install() {
  if command -v xmlsec1 >/dev/null; then return 0; fi
  apt_install xmlsec1
  command -v xmlsec1 >/dev/null || die "xmlsec1 is still missing after installing the xmlsec1 package"
}

case "${1:-install}" in
  install) install ;;
  status) if command -v xmlsec1 >/dev/null; then xmlsec1 --version; else echo missing; exit 1; fi ;;
  *) die "usage: $0 [install|status]" ;;
esac
