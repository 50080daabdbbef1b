#!/usr/bin/env bash
# npm test: every test tier against a real Kafka broker and Postgres, started here when not running.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
export NODE_OPTIONS="--experimental-vm-modules ${NODE_OPTIONS:-}"
export DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/esoz_notify_test}"
# The tests get a broker of their own (port 9192, state in .kafka/test) unless KAFKA_BROKERS names one:
# the contract's topic names are fixed, so a test run sharing a running system's broker would have both
# systems handle each other's events.
export KAFKA_PORT="${TEST_KAFKA_PORT:-9192}"
export KAFKA_STATE_DIR="${KAFKA_STATE_DIR:-$ROOT/.kafka/test}"
trap stop_kafka_if_started EXIT
ensure_slip_tools
ensure_browser
ensure_postgres
ensure_kafka
# Two cores: one jest worker at a time keeps Kafka and the apps under test from starving each other.
jest --runInBand "$@"
