#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on 127.0.0.1 for tests.
#
#   eval "$(scripts/ci/postgres.sh start)"   # exports GPUC_TEST_POSTGRES_URL, GPUC_PG_DIR, GPUC_PG_PID
#   scripts/ci/postgres.sh stop "$GPUC_PG_DIR"
#
# start installs Debian's postgresql package when no server binaries are found (needs
# root), creates a cluster in a new temp dir owned by a non-root user (initdb refuses
# root), starts it on a free loopback port with trust auth, and prints the exports on
# stdout (everything else goes to stderr). stop stops that cluster (by its PID) and
# removes the dir.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

find_bindir() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$d/initdb" && -x "$d/pg_ctl" ]]; then echo "$d"; return 0; fi
  done
  return 1
}

as_owner() {  # run a command as the cluster's owner
  local owner=$1; shift
  if [[ $(id -un) == "$owner" ]]; then "$@"; else runuser -u "$owner" -- "$@"; fi
}

start() {
  local bindir
  if ! bindir=$(find_bindir); then
    [[ $EUID -eq 0 ]] || { log "PostgreSQL is not installed and I am not root: apt-get install postgresql"; exit 1; }
    log "installing postgresql from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    bindir=$(find_bindir) || { log "postgresql installed but initdb not found"; exit 1; }
  fi
  local owner
  if [[ $EUID -eq 0 ]]; then
    if id postgres >/dev/null 2>&1; then owner=postgres; else owner=nobody; fi
  else
    owner=$(id -un)
  fi
  local dir port
  dir=$(mktemp -d /tmp/gpuc-pg.XXXXXX)
  chmod 700 "$dir"
  [[ $EUID -eq 0 ]] && chown "$owner" "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_owner "$owner" "$bindir/initdb" -D "$dir/data" -U gpuc --auth=trust -E UTF8 --no-instructions >/dev/null
  as_owner "$owner" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200" start >&2
  local pid
  pid=$(head -n1 "$dir/data/postmaster.pid")
  log "PostgreSQL $(basename "$(dirname "$bindir")") on 127.0.0.1:$port (pid $pid, dir $dir, owner $owner)"
  echo "export GPUC_TEST_POSTGRES_URL='postgresql+psycopg://gpuc@127.0.0.1:$port/postgres'"
  echo "export GPUC_PG_DIR='$dir'"
  echo "export GPUC_PG_PID='$pid'"
}

stop() {
  local dir=${1:-${GPUC_PG_DIR:-}}
  [[ -n $dir && -d $dir/data ]] || { log "usage: $0 stop <dir printed by start>"; exit 2; }
  local pidfile=$dir/data/postmaster.pid
  if [[ -f $pidfile ]]; then
    local pid
    pid=$(head -n1 "$pidfile")
    kill -INT "$pid" 2>/dev/null || true  # fast shutdown of that postmaster only
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && { log "pid $pid did not stop; killing it"; kill -KILL "$pid" || true; }
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case ${1:-} in
  start) start ;;
  stop) shift; stop "${1:-}" ;;
  *) echo "usage: $0 start | stop <dir>" >&2; exit 2 ;;
esac
