#!/usr/bin/env bash
# Local PostgreSQL for runs and tests (no Docker here; the Debian cluster is used directly).
#
# Usage: scripts/postgres.sh ensure [EXTRA_DB...]
#   Makes sure the server behind DATABASE_URL accepts connections - starting the local Debian
#   cluster (and installing PostgreSQL if it is missing) when the URL points at this machine -
#   then creates the URL's database and every EXTRA_DB (e.g. esoz_notify_test) if missing.
#   scripts/postgres.sh status
#
# Environment: DATABASE_URL (postgres://postgres@127.0.0.1:5432/esoz_notify),
#              POSTGRES_READY_TIMEOUT (60 s). Auth: trust on 127.0.0.1, or a password in the URL.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/esoz_notify}"
READY_TIMEOUT="${POSTGRES_READY_TIMEOUT:-60}"

log() { echo "postgres.sh: $*" >&2; }
die() {
  log "ERROR: $*"
  exit 1
}

# Split DATABASE_URL into PG_USER, PG_PASSWORD, PG_HOST, PG_PORT, PG_DB. Bash regex rather than
# a Node/Python helper: the script must work before `npm ci` and on a bare CI image.
parse_url() {
  local re='^postgres(ql)?://(([^:@/]+)(:([^@/]*))?@)?([^:/?]+)(:([0-9]+))?(/([^?]*))?'
  [[ "$DATABASE_URL" =~ $re ]] || die "cannot parse DATABASE_URL=$DATABASE_URL"
  PG_USER="${BASH_REMATCH[3]:-postgres}"
  PG_PASSWORD="${BASH_REMATCH[5]:-}"
  PG_HOST="${BASH_REMATCH[6]}"
  PG_PORT="${BASH_REMATCH[8]:-5432}"
  PG_DB="${BASH_REMATCH[10]:-esoz_notify}"
  # libpq picks the password up from the environment; never put it on a command line.
  if [[ -n "$PG_PASSWORD" ]]; then export PGPASSWORD="$PG_PASSWORD"; fi
}

is_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

is_local_host() { [[ "$PG_HOST" == 127.0.0.1 || "$PG_HOST" == localhost || "$PG_HOST" == ::1 ]]; }

as_root() {
  if ((EUID == 0)); then "$@"; else sudo -n "$@"; fi
}

install_postgres() {
  log "PostgreSQL is not installed; installing the Debian package (needs root) ..."
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql </dev/null
}

# Prints "VERSION NAME" of the Debian cluster configured for PG_PORT; if none matches, the newest
# version's "main" (the default that `apt-get install postgresql` creates).
find_cluster() {
  local match
  match="$(pg_lsclusters --no-header 2>/dev/null | awk -v port="$PG_PORT" '$3 == port { print $1, $2; exit }')"
  if [[ -n "$match" ]]; then
    echo "$match"
    return 0
  fi
  match="$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)"
  [[ -n "$match" ]] || die "no PostgreSQL cluster under /etc/postgresql"
  echo "$match main"
}

# --skip-systemctl-redirect: there is no systemd on these machines (nor in containers), so
# pg_ctlcluster must start the postmaster itself instead of asking systemctl.
start_local_cluster() {
  local version name
  if ! command -v pg_ctlcluster >/dev/null || [[ ! -d /etc/postgresql ]]; then install_postgres; fi
  read -r version name <<<"$(find_cluster)"
  log "starting local PostgreSQL cluster $version/$name ..."
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" "$name" start </dev/null ||
    log "pg_ctlcluster reported an error (already starting?); waiting for the port anyway"
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  until is_ready; do
    ((SECONDS < deadline)) || die "PostgreSQL at $PG_HOST:$PG_PORT not ready after ${READY_TIMEOUT}s"
    sleep 0.5
  done
}

psql_admin() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres "$@"
}

# CREATE DATABASE has no IF NOT EXISTS; \gexec runs the generated statement only when the
# database is missing, and format('%I') quotes the name safely. A concurrent `ensure` may win
# the race, so a failure is fine as long as the database exists afterwards.
create_db() {
  local name="$1"
  psql_admin -v name="$name" >/dev/null 2>&1 <<'SQL' || true
SELECT format('CREATE DATABASE %I', :'name')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'name') \gexec
SQL
  [[ "$(psql_admin -tA -v name="$name" <<<"SELECT 1 FROM pg_database WHERE datname = :'name'")" == 1 ]] ||
    die "could not create database $name (as $PG_USER on $PG_HOST:$PG_PORT)"
  log "database $name ready"
}

# Run the local cluster as production runs Postgres: with autovacuum. Some machines here ship it off
# (conf.d), and then the tables the pipeline churns (outbox rows inserted and deleted, deliveries updated)
# only ever grow, and each notification costs more than the last. ALTER SYSTEM outranks conf.d; the
# setting needs only a reload. Skipped (with a note) where we are not a superuser.
production_like_settings() {
  local current
  current="$(psql_admin -tA -c 'SHOW autovacuum' 2>/dev/null || true)"
  [[ "$current" == on ]] && return 0
  if psql_admin -c 'ALTER SYSTEM SET autovacuum = on' -c 'SELECT pg_reload_conf()' >/dev/null 2>&1; then
    log "autovacuum was off; turned on (ALTER SYSTEM), as production runs it"
  else
    log "note: autovacuum is off and could not be turned on here; long runs will slow down"
  fi
}

cmd_ensure() {
  local db
  parse_url
  if ! is_ready; then
    is_local_host || die "PostgreSQL at $PG_HOST:$PG_PORT is not reachable (not a local host, not starting it)"
    start_local_cluster
  fi
  wait_ready
  if is_local_host; then production_like_settings; fi
  for db in "$PG_DB" "$@"; do create_db "$db"; done
}

cmd_status() {
  parse_url
  if is_ready; then
    echo "postgres: accepting connections at $PG_HOST:$PG_PORT"
  else
    echo "postgres: not reachable at $PG_HOST:$PG_PORT"
    return 3
  fi
}

main() {
  local cmd="${1:-}"
  shift || true
  case "$cmd" in
    ensure) cmd_ensure "$@" ;;
    status) cmd_status ;;
    *)
      sed -n '4,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
      exit 2
      ;;
  esac
}

main "$@"
