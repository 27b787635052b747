#!/usr/bin/env bash
# Start (or install) the real services the integration tests talk to; fail loudly when one cannot.
# PostgreSQL at 127.0.0.1:5432 (trust auth), Redis at 127.0.0.1:6379, Java 17 for Spark, and
# Debian's Chromium for the browser tests.
set -euo pipefail
if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
APT_UPDATED=""

apt_install() {
  if [ -z "$APT_UPDATED" ]; then $SUDO apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  return 1
}

# PostgreSQL
if ! port_open 5432; then
  echo "services: starting PostgreSQL"
  if ! ls /etc/postgresql >/dev/null 2>&1; then
    echo "services: PostgreSQL is not installed; installing Debian's postgresql" >&2
    apt_install postgresql
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  wait_port 5432 || { echo "services: PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
fi

# Redis
if ! port_open 6379; then
  echo "services: starting Redis"
  command -v redis-server >/dev/null || { echo "services: installing redis-server" >&2; apt_install redis-server; }
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  wait_port 6379 || { echo "services: Redis did not start on 127.0.0.1:6379" >&2; exit 1; }
fi

# Java 17 (Spark)
if ! command -v java >/dev/null 2>&1; then
  echo "services: Java is missing; installing Debian's openjdk-17-jre-headless for Spark" >&2
  apt_install openjdk-17-jre-headless
fi

# Chromium (browser tests)
if [ ! -x /usr/bin/chromium ]; then
  echo "services: Chromium is missing; installing Debian's chromium for the browser tests" >&2
  apt_install chromium
fi
echo "services: PostgreSQL, Redis, Java and Chromium ready"
