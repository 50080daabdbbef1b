#!/usr/bin/env bash
# Runs a command (demo, bench) with Kafka and Postgres up, the build fresh and migrations applied.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
trap stop_kafka_if_started EXIT
ensure_postgres
ensure_kafka
build
node dist/libs/database/src/migrate.js
node dist/tools/ensure-topics.js
"$@"
