#!/usr/bin/env bash
# npm start: the whole system locally. Kafka (from the cached jars unless KAFKA_BROKERS is set), Postgres and
# migrations, topics, the five apps and the provider simulator. Ctrl-C stops everything this script started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
RUN_DIR="$ROOT/.run"
mkdir -p "$RUN_DIR"
PIDS=()

shutdown() {
  trap - INT TERM EXIT
  echo
  echo "Stopping apps..."
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [[ "$alive" == 0 ]] && break
    sleep 0.2
  done
  for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  stop_kafka_if_started
  echo "Stopped."
  exit "${1:-0}"
}
trap 'shutdown 0' INT TERM
trap 'shutdown 1' EXIT

ensure_postgres
ensure_kafka
build
node dist/libs/database/src/migrate.js
node dist/tools/ensure-topics.js

export NODE_ENV="${NODE_ENV:-development}"
# Both SMS aggregators of the simulator, with failover (docs/decisions/0004); the sms-sender alone reads it.
export SMS_PROVIDERS="${SMS_PROVIDERS:-turbosms:70,smsc:30}"
start_app() {
  local name="$1" entry="$2"
  node "dist/apps/$name/src/main.js" >"$RUN_DIR/$name.log" 2>&1 &
  PIDS+=("$!")
  echo "  $name (pid $!) log: .run/$name.log"
}

echo "Starting apps:"
start_app provider-simulator main
start_app resolver main
start_app viber-sender main
start_app sms-sender main
start_app diia-push-stub main
start_app info-slip-renderer main

wait_http() {
  local url="$1"
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "  $url did not answer; see .run/*.log" >&2
  return 1
}
for port in 3100 3001 3002 3003 3004 3005; do wait_http "http://127.0.0.1:$port/health" || true; done

cat <<INFO

esoz-notify is running.
  Kafka        $KAFKA_BROKERS
  Postgres     ${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/esoz_notify}
  resolver            http://127.0.0.1:3001  (GET /notifications/{eventId}, Bearer local-support-token)
  viber-sender        http://127.0.0.1:3002  (POST /webhooks/turbosms)
  sms-sender          http://127.0.0.1:3003  (POST /webhooks/turbosms, /webhooks/smsc; SMS_PROVIDERS=$SMS_PROVIDERS)
  diia-push-stub      http://127.0.0.1:3004  (/__control)
  info-slip-renderer  http://127.0.0.1:3005  (GET /slips/{eventId}.pdf, Bearer local-mis-token)
  provider simulator  http://127.0.0.1:3100  (TurboSMS and SMSC APIs, /__control, /__control/providers)
  Every app: /health and /metrics.
  Local tokens: MIS_TOKEN=local-mis-token SUPPORT_TOKEN=local-support-token WEBHOOK_SECRET=local-webhook-secret
  Try: npm run demo   (in another terminal)
Ctrl-C stops everything.
INFO

# Exit (and clean up) if any app dies, so a broken start is not mistaken for a running system.
wait -n "${PIDS[@]}" || true
echo "An app exited; see .run/*.log"
shutdown 1
