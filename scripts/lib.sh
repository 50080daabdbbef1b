# Shared by start.sh, test.sh and run-with-infra.sh: bring up what the project needs, remember what we
# started so we stop only that.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/node_modules/.bin:$PATH"
# kafkajs 2.2.4 sets negative timers on Node 24 (harmless, but it would print on every run).
export NODE_OPTIONS="--disable-warning=TimeoutNegativeWarning ${NODE_OPTIONS:-}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-}"
# Flags for the app processes (not for jest or tools): a heap sized for the app, not for the machine, keeps
# each app's RSS under 200 MiB under load (see tools/lib/system.ts APP_NODE_OPTIONS, the same default).
export APP_NODE_OPTIONS="${APP_NODE_OPTIONS:---max-old-space-size=128 --max-semi-space-size=8}"
# glibc's per-thread malloc arenas fragment under Node's worker threads; two are plenty.
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
STARTED_KAFKA=0

ensure_kafka() {
  if [[ -n "$KAFKA_BROKERS" ]]; then
    echo "Using Kafka at $KAFKA_BROKERS"
    return
  fi
  export KAFKA_BROKERS="127.0.0.1:${KAFKA_PORT:-9092}"
  if ! bash "$ROOT/scripts/kafka.sh" status 2>/dev/null | grep -q '^single: running'; then
    if node "$ROOT/scripts/kafka-ready.mjs" --timeout 2 >/dev/null 2>&1; then
      echo "Kafka already listening on $KAFKA_BROKERS (started elsewhere)"
      return
    fi
    STARTED_KAFKA=1
  fi
  bash "$ROOT/scripts/kafka.sh" start
}

stop_kafka_if_started() {
  if [[ "$STARTED_KAFKA" == 1 ]]; then bash "$ROOT/scripts/kafka.sh" stop || true; fi
}

ensure_postgres() {
  bash "$ROOT/scripts/postgres.sh" ensure "$@"
}

ensure_slip_tools() {
  # poppler-utils reads slips back as text and images; zbar-tools scans their barcode, independently of us.
  command -v pdftotext >/dev/null && command -v pdftoppm >/dev/null && command -v zbarimg >/dev/null && return
  echo "Installing poppler-utils and zbar-tools (the slip tests read slips back and scan their barcode)"
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  ($sudo apt-get update -qq && $sudo apt-get install -y -qq poppler-utils zbar-tools) >/dev/null
}

ensure_browser() {
  # The support console's browser test drives Debian's Chromium with playwright-core (Playwright's own
  # browser download cannot reach the network here).
  command -v chromium >/dev/null && return
  echo "Installing chromium (the support console's browser test)"
  local sudo=""
  [[ "$(id -u)" == 0 ]] || sudo="sudo"
  ($sudo apt-get update -qq && $sudo apt-get install -y -qq chromium) >/dev/null
}

build() {
  (cd "$ROOT" && npm run -s build)
}
