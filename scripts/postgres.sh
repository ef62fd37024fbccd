#!/usr/bin/env bash
# PostgreSQL for the server's tests and load benchmark: installs Debian's package if missing,
# starts the cluster, makes `root` a superuser, and prints a base URL (export it as
# CARECIRCLE_TEST_PG; the tests create a fresh database per test under it).
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$version main"; then
  pg_createcluster "$version" main >&2
fi
# Tests open many short-lived databases and connections; allow plenty.
conf="/etc/postgresql/$version/main/postgresql.conf"
if [ -f "$conf" ] && ! grep -q '^max_connections = 300' "$conf"; then
  sed -i 's/^#\?max_connections = .*/max_connections = 300/' "$conf"
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 1 50); do
  if su postgres -c "psql -qAt -c 'select 1'" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
su postgres -c "createuser -s root" >/dev/null 2>&1 || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
# Local connections over TCP trust nobody by default: give root a password for the URL.
su postgres -c "psql -qAt -c \"ALTER ROLE root WITH LOGIN PASSWORD 'carecircle'\"" >/dev/null
echo "postgres://root:carecircle@127.0.0.1:${port}/postgres"
