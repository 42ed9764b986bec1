#!/usr/bin/env bash
# A private PostgreSQL server on loopback for the tests and benchmarks: started once (a cluster in a temp
# folder, its own port), reused while it runs. Prints its URL (a superuser with a password). Idempotent and
# safe to call from several processes at once.
#   url="$(bash scripts/test-postgres.sh)"            # start or reuse
#   bash scripts/test-postgres.sh --install           # apt-get install postgresql first when missing (root)
#   bash scripts/test-postgres.sh --stop
# Debian's postgresql package provides the binaries (/usr/lib/postgresql/<version>/bin). The server refuses
# to run as root: as root, the cluster belongs to the postgres user and its commands run through runuser.
set -euo pipefail
port="${FACTORY_TEST_PG_PORT:-54329}"
dir="${FACTORY_TEST_PG_DIR:-${TMPDIR:-/tmp}/factory-test-postgres-$port}"
user=factory
password=factory-test-only
action=start
install=0
for arg in "$@"; do
  case "$arg" in
    --install) install=1 ;;
    --stop) action=stop ;;
    *) echo "test-postgres: unknown option $arg (use --install or --stop)" >&2; exit 2 ;;
  esac
done

find_bin() {
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$found" ] && [ -x "$found/pg_ctl" ] && [ -x "$found/initdb" ] && [ -x "$found/postgres" ]; then
    echo "$found"
  fi
}

bin="$(find_bin)"
if [ -z "$bin" ] && [ "$install" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "test-postgres: PostgreSQL is not installed and installing it needs root (apt-get install postgresql)." >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq postgresql >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null; }
  bin="$(find_bin)"
fi
if [ -z "$bin" ]; then
  echo "test-postgres: no PostgreSQL server binaries (initdb, pg_ctl, postgres) under /usr/lib/postgresql; install Debian's postgresql package." >&2
  exit 2
fi

# As root the cluster is the postgres user's (the server refuses root).
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

mkdir -p "$(dirname "$dir")"
exec 9>"$dir.lock"
flock 9

if [ "$action" = stop ]; then
  if [ -f "$dir/PG_VERSION" ]; then as_owner "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null 2>&1 || true; fi
  exit 0
fi

if [ ! -f "$dir/PG_VERSION" ]; then
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
  chmod 700 "$dir"
  pwfile="$(mktemp)"
  echo "$password" > "$pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pwfile"; fi
  as_owner "$bin/initdb" -D "$dir" -U "$user" --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 --no-instructions >"$dir.initdb.log" 2>&1 || {
    rm -f "$pwfile"
    echo "test-postgres: initdb failed; see $dir.initdb.log" >&2
    exit 2
  }
  rm -f "$pwfile"
  as_owner sh -c "cat >> '$dir/postgresql.conf'" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 64MB
EOF
fi

if ! as_owner "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  # 9>&-: the server must not inherit the lock, or it would hold it for as long as it runs.
  as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1 9>&- || {
    echo "test-postgres: the server did not start; see $dir/server.log" >&2
    exit 2
  }
fi
echo "postgres://$user:$password@127.0.0.1:$port/postgres"
