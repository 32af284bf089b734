#!/usr/bin/env bash
# A private PostgreSQL 15 on loopback, for tests, examples and benchmarks when CASCADE_PG is unset.
#   scripts/pg-private.sh start DIR   initdb into DIR, start on a free port, print the SOCI
#                                     connection string (host=127.0.0.1 port=N dbname=postgres user=postgres)
#   scripts/pg-private.sh restart DIR restart it on the same port (a fault the queue's tests inject)
#   scripts/pg-private.sh halt DIR    stop it and keep DIR (the database is down)
#   scripts/pg-private.sh stop DIR    stop it and remove DIR
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -n "$bin" ] || { echo "pg-private: no PostgreSQL server installed (scripts/setup.sh --server)" >&2; exit 1; }
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
    for attempt in $(seq 1 20); do
      port=$(( 20000 + (RANDOM * 7 + attempt * 131) % 30000 ))
      (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && continue   # taken
      if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
           -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60" >/dev/null 2>&1; then
        echo "$port" > "$dir/port"
        echo "host=127.0.0.1 port=$port dbname=postgres user=postgres"
        exit 0
      fi
    done
    echo "pg-private: could not start PostgreSQL, see $dir/server.log" >&2; exit 1 ;;
  halt)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ;;
  restart)
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null ;;
  stop)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$dir" ;;
  *) echo "usage: $0 start|restart|halt|stop DIR" >&2; exit 2 ;;
esac
