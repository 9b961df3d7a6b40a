#!/usr/bin/env bash
# Durability benchmarks, rustypotato side by side with redis-server in one
# run, on random loopback ports and fresh temporary directories:
#
#   bench/persist/bench.sh [set|startup|size|compression|all]
#
#   set          SET throughput, 50 clients, appendfsync always and everysec,
#                against redis-server --appendonly yes with the same policy
#   startup      restart time with 1M keys (16-byte keys, 32-byte values):
#                ours (SIGTERM, start again) against Redis loading dump.rdb
#   size         disk bytes per key for the same 1M keys: ours against
#                Redis's RDB and AOF
#   compression  on-disk size of 1M compressible 100-byte values with
#                compression none, snappy, zstd
#
# Env: N (SET requests, default 200000), RUNS (repetitions, default 3: the
# median is printed). The servers run one after the other, so a noisy
# neighbour hurts both alike; run it more than once.
set -euo pipefail
cd "$(dirname "$0")/../.."
WHAT=${1:-all}
N=${N:-200000}
RUNS=${RUNS:-3}

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
waitping() { # port pid: wait until PING answers, fail if the process dies
  for _ in $(seq 6000); do
    [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
    kill -0 "$2" 2>/dev/null || { echo "server on port $1 died" >&2; return 1; }
    sleep 0.005
  done
  return 1
}
# startping CMD...: start a server and set ELAPSED to the seconds until it
# first answers +PONG (one light poller, not a redis-cli process per try,
# so polling does not steal CPU from the server being measured). PORT must
# be set; PID is set.
startping() {
  local t0
  t0=$(now)
  "$@" >>"$tmp/start.log" 2>&1 &
  PID=$!; pids+=("$PID")
  python3 - "$PORT" "$PID" <<'EOF'
import os, socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
while True:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("server died")
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        while True:
            s.sendall(b"PING\r\n")
            r = s.recv(64)
            if r.startswith(b"+PONG"):
                sys.exit(0)
            if not r:
                break
            time.sleep(0.002)  # -LOADING: Redis answers while it loads
    except OSError:
        time.sleep(0.002)
EOF
  ELAPSED=$(echo "$(now) - $t0" | bc)
}
stopsrv() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
sstbytes() { find "$1" -name '*.sst' -printf '%s\n' | awk '{s+=$1} END {print s+0}'; }

tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]:-}"; do kill -9 $p 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
go build -o "$tmp/rustypotato" ./cmd/rustypotato
printf "%s cores, %s, %s\n" "$(nproc)" "$(redis-server --version | cut -d' ' -f3)" "$(df -T "$tmp" | awk 'NR==2 {print $2}') on $(df "$tmp" | awk 'NR==2 {print $1}')"

start_potato() { # dir extra-args... -> sets PORT PID
  PORT=$(freeport)
  "$tmp/rustypotato" --port "$PORT" --bind 127.0.0.1 --loglevel warning --dir "$@" >>"$tmp/potato.log" 2>&1 &
  PID=$!; pids+=("$PID")
  waitping "$PORT" "$PID"
}
start_redis() { # dir extra-args... -> sets PORT PID
  PORT=$(freeport)
  local d=$1; shift
  redis-server --port "$PORT" --bind 127.0.0.1 --dir "$d" --save '' "$@" >>"$tmp/redis.log" 2>&1 &
  PID=$!; pids+=("$PID")
  waitping "$PORT" "$PID"
}

# 1M SETs of 16-byte keys and random 32-byte values (letters and digits:
# little for either side to compress), as a RESP stream.
gen1m() {
  [ -f "$tmp/1m.resp" ] && return
  python3 - "$tmp/1m.resp" <<'EOF'
import random, string, sys
rnd = random.Random(1)
alphabet = (string.ascii_letters + string.digits).encode()
with open(sys.argv[1], "wb") as f:
    for i in range(1000000):
        k = b"key:%012d" % i
        v = bytes(rnd.choices(alphabet, k=32))
        f.write(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$32\r\n%s\r\n" % (k, v))
EOF
}

bench_set() {
  echo
  echo "== SET throughput: redis-benchmark -t set -c 50 -n $N -d 32 -r 1000000 (median of $RUNS)"
  echo "(in-memory rows: the same servers without persistence, to separate the cost of durability from the rest)"
  printf "%-10s %14s %14s %7s\n" appendfsync rustypotato redis ratio
  local setrps='redis-benchmark -p "$PORT" -t set -c 50 -n "$N" -d 32 -r 1000000 --csv 2>/dev/null | awk -F, '"'"'NR>1 {gsub(/"/,""); print $2}'"'"
  for policy in in-memory always everysec; do
    local ours=() theirs=()
    for _ in $(seq "$RUNS"); do
      rm -rf "$tmp/p" "$tmp/r"; mkdir -p "$tmp/p" "$tmp/r"
      if [ "$policy" = in-memory ]; then
        start_potato "$tmp/p" --appendonly no --save ''
      else
        start_potato "$tmp/p" --appendfsync "$policy"
      fi
      ours+=("$(eval "$setrps")")
      stopsrv "$PID"
      if [ "$policy" = in-memory ]; then
        start_redis "$tmp/r" --appendonly no
      else
        start_redis "$tmp/r" --appendonly yes --appendfsync "$policy"
      fi
      theirs+=("$(eval "$setrps")")
      stopsrv "$PID"
    done
    local a b
    a=$(printf "%s\n" "${ours[@]}" | median); b=$(printf "%s\n" "${theirs[@]}" | median)
    awk -v p="$policy" -v a="$a" -v b="$b" 'BEGIN { printf "%-10s %14.0f %14.0f %7.2f\n", p, a, b, a/b }'
  done
}

bench_startup_size() {
  gen1m
  rm -rf "$tmp/p" "$tmp/r" "$tmp/a"; mkdir -p "$tmp/p" "$tmp/r" "$tmp/a"
  # Load the same 1M keys into each.
  start_potato "$tmp/p"
  redis-cli -p "$PORT" --pipe <"$tmp/1m.resp" >/dev/null
  stopsrv "$PID"
  start_redis "$tmp/r"
  redis-cli -p "$PORT" --pipe <"$tmp/1m.resp" >/dev/null
  redis-cli -p "$PORT" save >/dev/null
  stopsrv "$PID"
  start_redis "$tmp/a" --appendonly yes --appendfsync no
  redis-cli -p "$PORT" --pipe <"$tmp/1m.resp" >/dev/null
  stopsrv "$PID"

  if [ "$WHAT" = all ] || [ "$WHAT" = startup ]; then
    echo
    echo "== Restart with 1M keys (16-byte keys, 32-byte values): start to first PING reply, seconds (median of $RUNS)"
    local ours=() theirs=()
    for _ in $(seq "$RUNS"); do
      PORT=$(freeport)
      startping "$tmp/rustypotato" --port "$PORT" --bind 127.0.0.1 --loglevel warning --dir "$tmp/p"
      ours+=("$ELAPSED")
      [ "$(redis-cli -p "$PORT" dbsize)" = 1000000 ] || { echo "rustypotato lost keys" >&2; cat "$tmp/start.log" >&2; exit 1; }
      stopsrv "$PID"
      PORT=$(freeport)
      startping redis-server --port "$PORT" --bind 127.0.0.1 --dir "$tmp/r" --save ''
      theirs+=("$ELAPSED")
      [ "$(redis-cli -p "$PORT" dbsize)" = 1000000 ] || { echo "redis lost keys" >&2; exit 1; }
      stopsrv "$PID"
    done
    local a b
    a=$(printf "%s\n" "${ours[@]}" | median); b=$(printf "%s\n" "${theirs[@]}" | median)
    awk -v a="$a" -v b="$b" 'BEGIN { printf "%-22s %8.3f\n%-22s %8.3f\n%-22s %8.2f\n", "rustypotato", a, "redis (dump.rdb)", b, "ratio (ours/redis)", a/b }'
    echo "samples: rustypotato ${ours[*]}; redis ${theirs[*]}"
    echo "redis log: $(grep -h 'DB loaded from disk' "$tmp/start.log" | tail -1 | sed 's/.*\* //')"
  fi
  if [ "$WHAT" = all ] || [ "$WHAT" = size ]; then
    echo
    echo "== Disk bytes per key, 1M keys (16-byte keys, random 32-byte values; payload 48 bytes/key)"
    local ours all alloc rdb aof
    ours=$(sstbytes "$tmp/p/db")
    all=$(du -sb "$tmp/p/db" | cut -f1)
    alloc=$(du -s --block-size=1 "$tmp/p/db" | cut -f1)
    rdb=$(stat -c %s "$tmp/r/dump.rdb")
    aof=$(du -sb "$tmp/a/appendonlydir" | cut -f1)
    awk -v o="$ours" -v d="$all" -v al="$alloc" -v r="$rdb" -v a="$aof" 'BEGIN {
      printf "%-28s %12d bytes %7.1f bytes/key\n", "rustypotato sstables", o, o/1e6
      printf "%-28s %12d bytes %7.1f bytes/key\n", "rustypotato whole dir/db", d, d/1e6
      printf "%-28s %12d bytes %7.1f bytes/key  (WAL files are preallocated and recycled: up to about 4 x 35 MiB)\n", "  ... blocks allocated", al, al/1e6
      printf "%-28s %12d bytes %7.1f bytes/key\n", "redis RDB (dump.rdb)", r, r/1e6
      printf "%-28s %12d bytes %7.1f bytes/key\n", "redis AOF (appendonlydir)", a, a/1e6 }'
  fi
}

bench_compression() {
  echo
  echo "== On-disk size of 1M keys with compressible 100-byte values, per compression setting"
  python3 - "$tmp/c.resp" <<'EOF'
import sys
with open(sys.argv[1], "wb") as f:
    for i in range(1000000):
        k = b"key:%012d" % i
        v = (b'{"user":%d,"plan":"free","region":"eu-west","flags":[]}' % (i % 1000)).ljust(100, b" ")
        f.write(b"*3\r\n$3\r\nSET\r\n$16\r\n%s\r\n$%d\r\n%s\r\n" % (k, len(v), v))
EOF
  printf "%-12s %14s %12s   (sstables after a clean shutdown)\n" compression bytes bytes/key
  for c in none snappy zstd; do
    rm -rf "$tmp/c"; mkdir -p "$tmp/c"
    start_potato "$tmp/c" --compression "$c"
    redis-cli -p "$PORT" --pipe <"$tmp/c.resp" >/dev/null
    stopsrv "$PID"
    local b
    b=$(sstbytes "$tmp/c/db")
    awk -v c="$c" -v b="$b" 'BEGIN { printf "%-12s %14d %12.1f\n", c, b, b/1e6 }'
  done
}

case "$WHAT" in
set) bench_set ;;
startup | size) bench_startup_size ;;
compression) bench_compression ;;
all)
  bench_set
  bench_startup_size
  bench_compression
  ;;
*) echo "usage: $0 [set|startup|size|compression|all]" >&2; exit 2 ;;
esac
