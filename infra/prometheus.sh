#!/usr/bin/env bash
# Installs Debian's `prometheus` package for its two programs: `promtool`, which checks and
# unit-tests the hub's alert rules (infra/prometheus/alerts.yml), and `prometheus` itself, which
# the alerting end-to-end test starts on loopback with a temporary data directory. The packaged
# system service is never started (lib.sh's apt_install keeps Debian from starting it).
# Usage: infra/prometheus.sh [install|status]. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install() {
  if command -v promtool >/dev/null && command -v prometheus >/dev/null; then return 0; fi
  apt_install prometheus
  command -v promtool >/dev/null || die "promtool is still missing after installing prometheus"
}

case "${1:-install}" in
  install) install ;;
  status) if command -v promtool >/dev/null; then promtool --version 2>&1 | head -1; else echo missing; exit 1; fi ;;
  *) die "usage: $0 [install|status]" ;;
esac
