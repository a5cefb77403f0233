#!/usr/bin/env bash
# Start a local PostgreSQL for Symphonia's integration tests and print its URL.
#
# Why: the suite must pass on PostgreSQL as well as SQLite (DESIGN.md §7), and CI / dev
# machines here have no internet, only Debian packages. Run as root on Debian 12.
# Idempotent: installs only when binaries are missing, starts the cluster only when down,
# creates the role and database only when absent. Quiet on success; prints only the URL:
#
#   export SYMPHONIA_TEST_POSTGRES_URL="$(scripts/postgres-test-server.sh)"
#
# The role is created with CREATEDB so the test fixtures can make a throw-away database
# per test module.
set -euo pipefail

PG_USER="${SYMPHONIA_PG_USER:-symphonia}"
PG_PASSWORD="${SYMPHONIA_PG_PASSWORD:-symphonia}"
PG_DB="${SYMPHONIA_PG_DB:-symphonia_test}"
PG_HOST=127.0.0.1
PG_PORT=5432

log() { echo "postgres-test-server: $*" >&2; }

if [[ "$(id -u)" -ne 0 ]]; then
    log "must run as root (it may install packages and start the cluster as 'postgres')"
    exit 1
fi

have_server() {
    command -v pg_ctlcluster >/dev/null 2>&1 && compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null
}

if ! have_server; then
    log "installing postgresql from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
fi

# Highest installed major version.
PG_VERSION="$(ls /usr/lib/postgresql | sort -n | tail -n 1)"

if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "${PG_VERSION} main"; then
    pg_createcluster "${PG_VERSION}" main --port "${PG_PORT}" >&2
fi

status="$(pg_lsclusters -h | awk -v v="${PG_VERSION}" '$1==v && $2=="main" {print $4}')"
if [[ "${status}" != online* ]]; then
    # Its notices ("Removed stale pid file.") must not reach stdout, which carries the URL.
    pg_ctlcluster "${PG_VERSION}" main start >&2
fi

# Wait for it to accept connections (start is asynchronous on some setups).
for _ in $(seq 1 50); do
    if su postgres -c "psql -qAtX -p ${PG_PORT} -c 'select 1'" >/dev/null 2>&1; then
        break
    fi
    sleep 0.2
done

psql_admin() { su postgres -c "psql -qAtX -v ON_ERROR_STOP=1 -p ${PG_PORT} $*"; }

if [[ "$(psql_admin "-c \"select 1 from pg_roles where rolname='${PG_USER}'\"")" != "1" ]]; then
    psql_admin "-c \"create role ${PG_USER} login createdb password '${PG_PASSWORD}'\"" >/dev/null
fi

# DROP DATABASE ... WITH (FORCE) must be able to end an autovacuum worker that happens to be
# in a throw-away database (it runs under no role); pg_signal_backend allows exactly that.
if [[ "$(psql_admin "-c \"select pg_has_role('${PG_USER}', 'pg_signal_backend', 'member')\"")" != "t" ]]; then
    psql_admin "-c \"grant pg_signal_backend to ${PG_USER}\"" >/dev/null
fi

if [[ "$(psql_admin "-c \"select 1 from pg_database where datname='${PG_DB}'\"")" != "1" ]]; then
    psql_admin "-c \"create database ${PG_DB} owner ${PG_USER}\"" >/dev/null
fi

echo "postgresql+asyncpg://${PG_USER}:${PG_PASSWORD}@${PG_HOST}:${PG_PORT}/${PG_DB}"
