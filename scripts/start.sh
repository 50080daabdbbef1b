#!/usr/bin/env bash
# npm start: the whole system locally. Kafka (from the cached jars unless KAFKA_BROKERS is set), Postgres and
# migrations, topics, the five apps, the support console and the provider simulator. Ctrl-C stops everything
# this script started.
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
# PORT_OFFSET shifts the apps' ports (e.g. 1300: resolver 4301) and SIMULATOR_PORT moves the simulator, to run
# a second stack beside another one (with its own KAFKA_PORT and DATABASE_URL).
OFF="${PORT_OFFSET:-0}"
SIM_PORT="${SIMULATOR_PORT:-3100}"
declare -A BASE_PORT=([provider-simulator]=$SIM_PORT [resolver]=$((3001 + OFF)) [viber-sender]=$((3002 + OFF))
  [sms-sender]=$((3003 + OFF)) [diia-push-stub]=$((3004 + OFF)) [info-slip-renderer]=$((3005 + OFF))
  [support-console]=$((3006 + OFF)))
if [[ "$OFF" != 0 || "$SIM_PORT" != 3100 ]]; then
  export PROVIDER_BASE_URL="http://127.0.0.1:$SIM_PORT"
  export VIBER_CALLBACK_URL="http://127.0.0.1:${BASE_PORT[viber-sender]}/webhooks/turbosms"
  export SMS_CALLBACK_URL="http://127.0.0.1:${BASE_PORT[sms-sender]}/webhooks/turbosms"
  export SMSC_CALLBACK_URL="http://127.0.0.1:${BASE_PORT[sms-sender]}/webhooks/smsc"
  export RESOLVER_URL="http://127.0.0.1:${BASE_PORT[resolver]}"
fi
# REPLICAS=viber-sender=3,sms-sender=2: replicas of an app share its consumer group (so they share its
# partitions), each with its own PORT (base + 10 × n: 3012, 3022, ...) and INSTANCE_ID (viber-sender-2); a
# round-robin proxy on the app's usual port stands in for the Kubernetes Service, so the simulator's webhooks
# and every client reach any replica (the state is in Postgres: any replica applies any report).
declare -A REPLICA_COUNT=()
IFS=',' read -ra REPLICA_ITEMS <<<"${REPLICAS:-}"
for item in "${REPLICA_ITEMS[@]}"; do
  [[ -z "$item" ]] && continue
  app="${item%%=*}" count="${item#*=}"
  if [[ -z "${BASE_PORT[$app]:-}" || "$app" == provider-simulator ]]; then
    echo "REPLICAS: unknown app '$app' (one of resolver viber-sender sms-sender diia-push-stub info-slip-renderer)" >&2
    exit 2
  fi
  if ! [[ "$count" =~ ^[1-9]$ ]]; then
    echo "REPLICAS: $app=$count: a count from 1 to 9 (more than 6 would sit idle: 6 partitions)" >&2
    exit 2
  fi
  REPLICA_COUNT[$app]=$count
done
[[ -n "${REPLICA_COUNT[diia-push-stub]:-}" ]] &&
  echo "Note: diia-push-stub keeps its /__control behaviours in memory, per replica."
WAIT_PORTS=()
REPLICA_LINES=()

# Both SMS aggregators of the simulator, with failover (docs/decisions/0004); the sms-sender alone reads it.
export SMS_PROVIDERS="${SMS_PROVIDERS:-turbosms:70,smsc:30}"
start_app() {
  local name="$1" count="${REPLICA_COUNT[$1]:-1}" base="${BASE_PORT[$1]}" i port ports=()
  if [[ "$count" == 1 ]]; then
    PORT="$base" NODE_OPTIONS="$NODE_OPTIONS $APP_NODE_OPTIONS" node "dist/apps/$name/src/main.js" >"$RUN_DIR/$name.log" 2>&1 &
    PIDS+=("$!")
    WAIT_PORTS+=("$base")
    echo "  $name (pid $!) log: .run/$name.log"
    return
  fi
  for i in $(seq 1 "$count"); do
    port=$((base + 10 * i))
    PORT="$port" INSTANCE_ID="$name-$i" NODE_OPTIONS="$NODE_OPTIONS $APP_NODE_OPTIONS" node "dist/apps/$name/src/main.js" >"$RUN_DIR/$name-$i.log" 2>&1 &
    PIDS+=("$!")
    ports+=("$port")
    WAIT_PORTS+=("$port")
    echo "  $name-$i (pid $!) port $port log: .run/$name-$i.log"
    REPLICA_LINES+=("  $name-$i  http://127.0.0.1:$port")
  done
  node dist/tools/local-lb.js "$base" "$(IFS=,; echo "${ports[*]}")" "$name" >"$RUN_DIR/$name-lb.log" 2>&1 &
  PIDS+=("$!")
  echo "  $name load balancer (pid $!) port $base → ${ports[*]}"
}

echo "Starting apps:"
start_app provider-simulator
start_app resolver
start_app viber-sender
start_app sms-sender
start_app diia-push-stub
start_app info-slip-renderer
start_app support-console

wait_http() {
  local url="$1"
  for _ in $(seq 1 120); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    sleep 0.5
  done
  echo "  $url did not answer; see .run/*.log" >&2
  return 1
}
for port in "${WAIT_PORTS[@]}"; do wait_http "http://127.0.0.1:$port/health" || true; done

# A local staff account for the console, with a fresh password each start (local mode only).
SUPPORT_LOGIN="${SUPPORT_LOGIN:-support}"
SUPPORT_SIGN_IN="$(node dist/apps/support-console/src/cli/support-user.js ensure-local "$SUPPORT_LOGIN" |
  sed -n 's/^password: //p')" || SUPPORT_SIGN_IN="(none: create one with npm run support:user -- add <login>)"

cat <<INFO

esoz-notify is running.
  Kafka        $KAFKA_BROKERS
  Postgres     ${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/esoz_notify}
  resolver            http://127.0.0.1:${BASE_PORT[resolver]}  (GET /notifications/{eventId}, Bearer local-support-token)
  viber-sender        http://127.0.0.1:${BASE_PORT[viber-sender]}  (POST /webhooks/turbosms)
  sms-sender          http://127.0.0.1:${BASE_PORT[sms-sender]}  (POST /webhooks/turbosms, /webhooks/smsc; SMS_PROVIDERS=$SMS_PROVIDERS)
  diia-push-stub      http://127.0.0.1:${BASE_PORT[diia-push-stub]}  (/__control)
  info-slip-renderer  http://127.0.0.1:${BASE_PORT[info-slip-renderer]}  (GET /slips/{eventId}.pdf, Bearer local-mis-token)
  provider simulator  http://127.0.0.1:${BASE_PORT[provider-simulator]}  (TurboSMS and SMSC APIs, /__control, /__control/providers)
  support console     http://127.0.0.1:${BASE_PORT[support-console]}  sign in as: $SUPPORT_LOGIN / $SUPPORT_SIGN_IN
  Every app: /health, /health/ready and /metrics.
INFO
if [[ ${#REPLICA_LINES[@]} -gt 0 ]]; then
  echo "  Replicas (the app's usual port balances over them):"
  printf '%s\n' "${REPLICA_LINES[@]}"
fi
cat <<INFO
  Local tokens: MIS_TOKEN=local-mis-token SUPPORT_TOKEN=local-support-token WEBHOOK_SECRET=local-webhook-secret
  Try: npm run demo   (in another terminal)
Ctrl-C stops everything.
INFO

# Exit (and clean up) if any app dies, so a broken start is not mistaken for a running system.
wait -n "${PIDS[@]}" || true
echo "An app exited; see .run/*.log"
shutdown 1
