#!/usr/bin/env bash
# Starts or stops the throwaway PostgreSQL 15 cluster the test suite runs against.
#   pgcluster.sh start STATE_DIR   initdb in a temporary folder, start on a free port, write the URL
#                                  to STATE_DIR/pg-url.txt
#   pgcluster.sh start STATE_DIR --standby
#                                  also a streaming standby of it (pg_basebackup -R) on a second port, its URL in
#                                  STATE_DIR/pg-standby-url.txt
#   pgcluster.sh stop STATE_DIR    stop the cluster (and its standby) and remove its folder
# For the failover and restart tests, on a pair of their own:
#   pgcluster.sh restart STATE_DIR         restart the primary (fast shutdown: sessions end with 57P01)
#   pgcluster.sh stop-primary STATE_DIR    stop the primary (immediate: as if its machine died)
#   pgcluster.sh promote STATE_DIR         promote the standby to primary
#   pgcluster.sh pause-replay STATE_DIR | resume-replay STATE_DIR
# When MODELDESK_TEST_PG_URL is set, the tests use that server and this script does nothing.
# MODELDESK_PG_EXTRA_LISTEN=ADDRESS: the primary also listens on ADDRESS and trusts clients of its /30 (the
# benchmark's delayed link, packaging/bench.sh --network).
set -euo pipefail

cmd="$1"
state_dir="$2"
mkdir -p "$state_dir"
url_file="$state_dir/pg-url.txt"
dir_file="$state_dir/pg-dir.txt"
standby_url_file="$state_dir/pg-standby-url.txt"

PGBIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PGBIN/initdb" ]; then
  echo "pgcluster: PostgreSQL 15 is not installed ($PGBIN/initdb missing); run packaging/install-deps.sh" >&2
  exit 1
fi

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop_cluster() {
  if [ -f "$dir_file" ]; then
    local dir
    dir="$(cat "$dir_file")"
    for data in "$dir/standby" "$dir/data"; do
      if [ -d "$data" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
      fi
    done
    rm -rf "$dir"
    rm -f "$dir_file" "$url_file" "$standby_url_file"
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null ||
    echo $((20000 + RANDOM % 30000))
}

case "$cmd" in
start)
  if [ -n "${MODELDESK_TEST_PG_URL:-}" ]; then
    echo "pgcluster: using MODELDESK_TEST_PG_URL"
    exit 0
  fi
  stop_cluster
  dir="$(mktemp -d /tmp/modeldesk-pg.XXXXXX)"
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir"; fi
  echo "$dir" >"$dir_file"
  as_pg "$PGBIN/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  for attempt in 1 2 3 4 5; do
    port="$(free_port)"
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1${MODELDESK_PG_EXTRA_LISTEN:+,$MODELDESK_PG_EXTRA_LISTEN}'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
    # A password-protected user for the authentication tests; everyone else is trusted on loopback.
    {
      echo "host all md_pw_user 127.0.0.1/32 scram-sha-256"
      if [ -n "${MODELDESK_PG_EXTRA_LISTEN:-}" ]; then echo "host all all ${MODELDESK_PG_EXTRA_LISTEN%.*}.0/24 trust"; fi
      cat "$dir/data/pg_hba.conf"
    } >"$dir/hba.tmp"
    mv "$dir/hba.tmp" "$dir/data/pg_hba.conf"
    if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$dir/data/pg_hba.conf"; fi
    if as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null; then
      break
    fi
    if [ "$attempt" -eq 5 ]; then cat "$dir/server.log" >&2; exit 1; fi
  done
  as_pg /usr/bin/psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE md_pw_user LOGIN PASSWORD 'correct-horse'" >/dev/null
  echo "$port" >"$dir/port"
  if [ "${3:-}" = "--standby" ]; then
    # A hot standby streaming from the primary, as a replica a team would run; its own port and socket folder.
    as_pg "$PGBIN/pg_basebackup" -h 127.0.0.1 -p "$port" -U postgres -D "$dir/standby" -R -X stream \
      >"$dir/basebackup.log" 2>&1 || { cat "$dir/basebackup.log" >&2; exit 1; }
    for attempt in 1 2 3 4 5; do
      sport="$(free_port)"
      cat >>"$dir/standby/postgresql.conf" <<CONF
port = $sport
hot_standby = on
hot_standby_feedback = on
CONF
      if as_pg "$PGBIN/pg_ctl" -D "$dir/standby" -l "$dir/standby.log" -w -t 30 start >/dev/null; then
        break
      fi
      if [ "$attempt" -eq 5 ]; then cat "$dir/standby.log" >&2; exit 1; fi
    done
    echo "$sport" >"$dir/standby-port"
    echo "postgresql://postgres@127.0.0.1:$sport/postgres" >"$standby_url_file"
    echo "pgcluster: standby on 127.0.0.1:$sport"
  fi
  echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$url_file"
  echo "pgcluster: PostgreSQL 15 on 127.0.0.1:$port ($dir)"
  ;;
stop)
  stop_cluster
  ;;
restart)
  dir="$(cat "$dir_file")"
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 30 restart >/dev/null
  ;;
stop-primary)
  dir="$(cat "$dir_file")"
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
  ;;
start-primary)
  dir="$(cat "$dir_file")"
  as_pg "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null
  ;;
promote)
  dir="$(cat "$dir_file")"
  as_pg "$PGBIN/pg_ctl" -D "$dir/standby" -w -t 30 promote >/dev/null
  ;;
pause-replay | resume-replay)
  dir="$(cat "$dir_file")"
  fn=pg_wal_replay_pause
  if [ "$cmd" = resume-replay ]; then fn=pg_wal_replay_resume; fi
  as_pg /usr/bin/psql -h 127.0.0.1 -p "$(cat "$dir/standby-port")" -U postgres -d postgres -q -v ON_ERROR_STOP=1 \
    -c "SELECT $fn()" >/dev/null
  ;;
*)
  echo "usage: pgcluster.sh start STATE_DIR [--standby] | stop|restart|stop-primary|start-primary|promote|pause-replay|resume-replay STATE_DIR" >&2
  exit 2
  ;;
esac
