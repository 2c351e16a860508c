#!/usr/bin/env bash
# Prepares a fresh Debian machine that has only Node, npm and Go: pnpm, the workspace's
# dependencies (frozen lockfile), the system packages the hub and its tests use, the FerretDB
# binary, and a TypeScript build. Idempotent; a warm machine finishes in seconds.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PNPM_VERSION="$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$REPO_ROOT/package.json")"

command -v node >/dev/null || die "Node.js 20+ is required"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js >= 20.19 is required (found $(node --version))"

if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION (npm -g)"
  npm install -g --silent "pnpm@$PNPM_VERSION" >&2
fi

cd "$REPO_ROOT"
# pkcs11js (the signer's PKCS#11 binding) is a native addon built at install, against the
# headers of the Node in /usr (.npmrc nodedir).
apt_install g++ make python3
# systemd-analyze: tests/integration/systemd.test.ts verifies the production units with it
# (nothing here runs under systemd).
apt_install systemd
log "installing workspace dependencies"
pnpm install --frozen-lockfile --prefer-offline --reporter=silent >&2

bash "$REPO_ROOT/infra/softhsm.sh" install
bash "$REPO_ROOT/infra/rabbitmq.sh" install
bash "$REPO_ROOT/infra/ferretdb.sh" build
[ -f "$REPO_ROOT/infra/xmlsec.sh" ] && bash "$REPO_ROOT/infra/xmlsec.sh"
bash "$REPO_ROOT/infra/pyhanko.sh"
bash "$REPO_ROOT/infra/chromium.sh"
bash "$REPO_ROOT/infra/prometheus.sh"

log "building TypeScript"
pnpm exec tsc -b >&2
