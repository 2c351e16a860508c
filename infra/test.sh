#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, starts RabbitMQ and FerretDB
# (and stops what it started), then lint, typecheck, build and every test against the real servers.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

bash infra/bootstrap.sh

servers_for_this_run

log "lint (biome)"
pnpm exec biome check .
log "FerretDB main (go test: _id expression index, lazy log handler, atomic updates, file modes)"
(cd infra/ferretdb && GOFLAGS=-mod=readonly go test ./...)
log "typecheck"
pnpm exec tsc -p tsconfig.check.json
log "tests (vitest)"
# Each test hub gets its own queue prefix and database (see tests/support), so a demo hub
# running on the same servers is never touched.
mkdir -p test-output
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=test-output/vitest.json "$@" || status=$?
# One plain summary line for whoever reads only the end of the log.
node -e 'const r=require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`)' \
  "$REPO_ROOT/test-output/vitest.json" || true
exit "$status"
