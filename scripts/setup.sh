#!/usr/bin/env bash
# Installs, from Debian's packages, what building cascade needs and is missing. As root on Debian 12.
#   scripts/setup.sh            compiler, CMake, Boost, SOCI (SQLite and PostgreSQL backends)
#   scripts/setup.sh --server   the same and a PostgreSQL 15 server (for the tests and benchmarks)
#   scripts/setup.sh --server --clang   and clang 15 (the sanitizer run of the tests builds with it)
#   scripts/setup.sh --browser  and Chromium (the dashboard's tests drive it headless; CI installs it)
set -euo pipefail
packages=(g++ cmake make libboost1.81-dev libboost-test1.81-dev libboost-json1.81-dev libsoci-dev
          libsqlite3-dev libpq-dev time)
for arg in "$@"; do
  case "$arg" in
    --server) packages+=(postgresql-15) ;;
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
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confdef \
  -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
