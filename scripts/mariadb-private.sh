#!/usr/bin/env bash
# A private MariaDB on loopback, for tests, examples and benchmarks when CASCADE_MYSQL is unset.
#   scripts/mariadb-private.sh start DIR   install a data directory in DIR, start on a free port, print the
#                                          SOCI connection string (host=127.0.0.1 port=N db=cascade_db user=root)
#   scripts/mariadb-private.sh restart DIR restart it on the same port
#   scripts/mariadb-private.sh stop DIR    stop it and remove DIR
# As root the server runs as the `mysql` user (Debian's package makes it). Durability is off (no fsync
# per commit, no binary log): the data is thrown away with DIR.
set -euo pipefail
cmd=${1:?start|restart|stop}; dir=${2:?data directory}
command -v mariadbd >/dev/null || [ -x /usr/sbin/mariadbd ] ||
  { echo "mariadb-private: no MariaDB server installed (scripts/setup.sh --server)" >&2; exit 1; }
user=$(id -un); [ "$(id -u)" -eq 0 ] && user=mysql
launch() {  # port
  /usr/sbin/mariadbd --no-defaults --user="$user" --datadir="$dir/data" --socket="$dir/socket" \
    --pid-file="$dir/pid" --port="$1" --bind-address=127.0.0.1 --skip-name-resolve --skip-log-bin \
    --innodb-flush-log-at-trx-commit=0 --innodb-doublewrite=0 --innodb-buffer-pool-size=256M \
    --innodb-lock-wait-timeout=20 --max-connections=200 --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_bin --log-error="$dir/server.log" >/dev/null 2>&1 &
  for _ in $(seq 1 300); do
    mariadb --no-defaults -h127.0.0.1 -P"$1" -uroot -e 'SELECT 1' >/dev/null 2>&1 && return 0
    [ -f "$dir/pid" ] || ! grep -qs 'ERROR' "$dir/server.log" || return 1
    sleep 0.1
  done
  return 1
}
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown mysql: "$dir"
    mariadb-install-db --no-defaults --user="$user" --datadir="$dir/data" --auth-root-authentication-method=normal \
      --skip-test-db >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; exit 1; }
    for attempt in $(seq 1 20); do
      port=$(( 20000 + (RANDOM * 7 + attempt * 131) % 30000 ))
      (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && continue   # taken
      if launch "$port"; then
        echo "$port" > "$dir/port"
        mariadb --no-defaults -h127.0.0.1 -P"$port" -uroot -e 'CREATE DATABASE cascade_db'
        echo "host=127.0.0.1 port=$port db=cascade_db user=root charset=utf8mb4"
        exit 0
      fi
      [ -f "$dir/pid" ] && kill "$(cat "$dir/pid")" 2>/dev/null || true
    done
    echo "mariadb-private: could not start MariaDB, see $dir/server.log" >&2; exit 1 ;;
  restart)
    port=$(cat "$dir/port")
    kill "$(cat "$dir/pid")" && while [ -f "$dir/pid" ]; do sleep 0.1; done
    launch "$port" || { echo "mariadb-private: could not restart, see $dir/server.log" >&2; exit 1; } ;;
  stop)
    if [ -f "$dir/pid" ]; then
      pid=$(cat "$dir/pid"); kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$dir" ;;
  *) echo "usage: $0 start|restart|stop DIR" >&2; exit 2 ;;
esac
