#!/usr/bin/env bash
# Runs a command (`pnpm bench`, `pnpm fault`) the way infra/test.sh runs the suite: installs and
# builds what is missing, starts RabbitMQ and FerretDB where they are not running, and stops
# what it started when the command ends.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
bash infra/bootstrap.sh
servers_for_this_run
"$@"
