#!/usr/bin/env bash
# Installs, from Debian's packages, what building cascade needs and is missing. As root on Debian 12.
#   scripts/setup.sh            compiler, CMake, Boost, SOCI (SQLite, PostgreSQL and MySQL backends, and
#                               the client headers each needs)
#   scripts/setup.sh --server   the same and PostgreSQL 15 and MariaDB 10.11 servers (for the tests and
#                               benchmarks; started privately, never as the system's services)
#   scripts/setup.sh --server --clang   and clang 15 (the sanitizer run of the tests builds with it)
#   scripts/setup.sh --browser  and Chromium (the dashboard's tests drive it headless; CI installs it)
set -euo pipefail
packages=(g++ cmake make libboost1.81-dev libboost-test1.81-dev libboost-json1.81-dev libsoci-dev
          libsqlite3-dev libpq-dev libmariadb-dev time)
for arg in "$@"; do
  case "$arg" in
    --server) packages+=(postgresql-15 mariadb-server) ;;
    --clang) packages+=(clang-15) ;;
    --browser) packages+=(chromium) ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
  exit 1
fi
# The server is started privately by scripts/pg-private.sh; Debian's default cluster is not needed.
mkdir -p /etc/postgresql-common
grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf ||
  echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
# Nor is MariaDB's system service: scripts/mariadb-private.sh starts its own. policy-rc.d keeps the
# package from starting the service while it installs (there may be no init system at all).
export DEBIAN_FRONTEND=noninteractive
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef \
  -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
