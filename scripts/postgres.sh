#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1 for the store's tests.
#   source scripts/postgres.sh; postgres_start   # sets PARLEY_TEST_POSTGRES_URL
#   postgres_stop
# Installs Debian's PostgreSQL server if it is missing. The cluster lives in a temporary folder
# owned by the `postgres` user (the server refuses to run as root) and listens on a free port.

postgres_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

postgres_start() {
  local bin
  bin=$(postgres_bin)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "[postgres] installing Debian's PostgreSQL server"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends postgresql >/dev/null
    bin=$(postgres_bin)
  fi
  PARLEY_PG_DIR=$(mktemp -d /tmp/parley-pg.XXXXXX)
  chmod 755 "$PARLEY_PG_DIR"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
  local as=""
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PARLEY_PG_DIR"
    as="runuser -u postgres --"
  fi
  $as "$bin/initdb" -D "$PARLEY_PG_DIR/data" -U postgres -A trust >/dev/null
  $as "$bin/pg_ctl" -D "$PARLEY_PG_DIR/data" -l "$PARLEY_PG_DIR/server.log" -w \
    -o "-p $port -k $PARLEY_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
  export PARLEY_PG_DIR PARLEY_PG_BIN="$bin" PARLEY_PG_AS="$as"
  export PARLEY_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "[postgres] server up at $PARLEY_TEST_POSTGRES_URL"
}

postgres_stop() {
  [ -n "${PARLEY_PG_DIR:-}" ] || return 0
  $PARLEY_PG_AS "$PARLEY_PG_BIN/pg_ctl" -D "$PARLEY_PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PARLEY_PG_DIR"
  unset PARLEY_PG_DIR
}
