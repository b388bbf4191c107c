#!/usr/bin/env bash
# Builds ModelDesk and runs the benchmark suite on SQLite and on a throwaway PostgreSQL 15 cluster:
# generates the reference registry (1,000 models x 100 versions, full lifecycles, ~116,000 lineage
# nodes) on both, measures every row of the performance table (README, Architecture: performance
# targets) with its hand-written SQL floor, and prints the table at the end. Extra arguments go to
# Google Benchmark (e.g. --benchmark_filter='search|impact'). MODELDESK_BENCH_REUSE=1 keeps the SQLite reference
# registry of an earlier run (build/default/bench-data) instead of generating it again.
#
# --network (as root): also measures the GUI actions over a real network. A network namespace "mdbench" is joined to
# this one by a veth pair (10.231.0.1 here, 10.231.0.2 in the namespace; no other addresses), with tc netem adding
# 5 ms each way (10 ms round trip). The PostgreSQL server listens on 10.231.0.1 too, and the application runs in the
# namespace, so every statement crosses the delayed link (benchmark gui_actions_netem).
set -euo pipefail
cd "$(dirname "$0")/.."

network=0
if [ "${1:-}" = "--network" ]; then
  network=1
  shift
fi
netns=mdbench
network_down() {
  ip netns del "$netns" 2>/dev/null || true
  ip link del mdb0 2>/dev/null || true
}
if [ "$network" -eq 1 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v tc >/dev/null || ! command -v ip >/dev/null; then
    echo "bench.sh: --network needs root and iproute2 (ip, tc)" >&2
    exit 2
  fi
  network_down
  ip netns add "$netns"
  ip link add mdb0 type veth peer name mdb1
  ip link set mdb1 netns "$netns"
  ip addr add 10.231.0.1/30 dev mdb0
  ip link set mdb0 up
  ip netns exec "$netns" ip addr add 10.231.0.2/30 dev mdb1
  ip netns exec "$netns" ip link set mdb1 up
  ip netns exec "$netns" ip link set lo up
  if tc qdisc add dev mdb0 root netem delay 5ms 2>/dev/null &&
    ip netns exec "$netns" tc qdisc add dev mdb1 root netem delay 5ms; then
    delay=netem
    echo "bench.sh: network namespace $netns behind a veth pair, tc netem 5 ms each way:"
    ip netns exec "$netns" ping -c 3 -q 10.231.0.1 | tail -1
  else
    # A kernel without sch_netem (seen on this workplace's VMs): the same 5 ms each way from a delaying proxy on
    # the host end of the link, which the application in the namespace connects to.
    delay=proxy
    echo "bench.sh: this kernel has no netem qdisc; packaging/delayproxy.py delays 5 ms each way instead"
  fi
  export MODELDESK_PG_EXTRA_LISTEN=10.231.0.1 MODELDESK_BENCH_NETNS="$netns"
fi

bash packaging/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default
state="$PWD/build/default/bench-state"
trap 'bash tests/pg/pgcluster.sh stop "$state"; if [ "$network" -eq 1 ]; then network_down; fi' EXIT
bash tests/pg/pgcluster.sh start "$state" --standby
if [ "$network" -eq 1 ]; then
  pgport="$(sed -E 's/.*:([0-9]+)\/.*/\1/' "$state/pg-url.txt")"
  if [ "$delay" = proxy ]; then
    python3 packaging/delayproxy.py 10.231.0.1:15432 "127.0.0.1:$pgport" 5 &
    proxy=$!
    trap 'kill $proxy 2>/dev/null || true; bash tests/pg/pgcluster.sh stop "$state"; network_down' EXIT
    export MODELDESK_BENCH_NETNS_SERVER=10.231.0.1:15432
  else
    export MODELDESK_BENCH_NETNS_SERVER="10.231.0.1:$pgport"
  fi
fi
mkdir -p build/default/bench-data
start=$(date +%s)
MODELDESK_BENCH_DIR="$PWD/build/default/bench-data" MODELDESK_BENCH_PG_URL="$(cat "$state/pg-url.txt")" \
  MODELDESK_BENCH_PG_STANDBY_URL="$(cat "$state/pg-standby-url.txt")" \
  build/default/tests/bench/modeldesk_bench "$@"
echo "bench.sh: generation and benchmarks took $(($(date +%s) - start)) s"
