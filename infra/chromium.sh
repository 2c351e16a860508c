#!/usr/bin/env bash
# Installs Debian's headless-capable Chromium (/usr/bin/chromium), the browser the operators'
# console end-to-end test drives through playwright-core. No browser is ever downloaded by
# Playwright itself: the test points it at this binary.
# Usage: infra/chromium.sh [install|status]. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install() {
  # apt_install skips what dpkg already has, so a warm machine costs nothing here.
  # fonts-noto-core: Vietnamese glyphs in screenshots (DejaVu alone lacks some stacked marks).
  apt_install chromium fonts-dejavu-core fonts-noto-core
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is still missing after installing the chromium package"
}

case "${1:-install}" in
  install) install ;;
  status) if [ -x /usr/bin/chromium ]; then /usr/bin/chromium --version; else echo missing; exit 1; fi ;;
  *) die "usage: $0 [install|status]" ;;
esac
