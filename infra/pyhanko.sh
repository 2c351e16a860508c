#!/usr/bin/env bash
# Installs pyHanko 0.38.0 (PyPI) in a venv under ~/.cache/edoc-hub: the independent PAdES
# signer the @edoc/pades tests sign their PDFs with. Needs python3 with venv (Debian:
# python3-venv). Usage: infra/pyhanko.sh [install|status|python]. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VERSION=0.38.0
VENV="${EDOC_PYHANKO_VENV:-$HOME/.cache/edoc-hub/pyhanko-$VERSION}"

installed() { "$VENV/bin/python" -c 'import pyhanko' >/dev/null 2>&1; }

install() {
  if installed; then return 0; fi
  command -v python3 >/dev/null || apt_install python3
  python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || apt_install python3-venv
  log "installing pyHanko $VERSION into $VENV"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "pyhanko==$VERSION" >&2
  installed || die "pyHanko is still missing after installing it into $VENV"
}

case "${1:-install}" in
  install) install ;;
  status) if installed; then "$VENV/bin/python" -c 'import pyhanko; print(pyhanko.__version__)'; else echo missing; exit 1; fi ;;
  python) echo "$VENV/bin/python" ;;
  *) die "usage: $0 [install|status|python]" ;;
esac
