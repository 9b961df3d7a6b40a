#!/usr/bin/env bash
# Side-by-side RESP benchmark: redis-benchmark against rustypotato and
# redis-server, in one run, on random loopback ports.
#
#   bench/compare.sh [requests] [clients]
#
# Prints ops/sec, p50 and p99 for each test at pipeline 1 and 16, with the
# ratio to Redis (ops: ours/redis, higher is better; p99: ours/redis, lower
# is better). The two servers run one after the other for each row, so a
# noisy neighbour hurts both alike; run it a few times.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
C=${2:-50}
TESTS=${TESTS:-set,get,incr,lpush,lpop,hset}

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

tmp=$(mktemp -d)
go build -o "$tmp/rustypotato" ./cmd/rustypotato
rport=$(freeport); pport=$(freeport)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
rpid=$!
GOGC=${POTATO_GOGC:-100} "$tmp/rustypotato" --port "$pport" --bind 127.0.0.1 --loglevel warning --dir "$tmp" --appendonly no --save "" >"$tmp/potato.log" 2>&1 &
ppid=$!
trap 'kill $rpid $ppid 2>/dev/null; wait $rpid $ppid 2>/dev/null; rm -rf "$tmp"' EXIT
for p in "$rport" "$pport"; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

run() { # port pipeline -> csv lines "test,rps,p50,p99"
  redis-benchmark -p "$1" -c "$C" -n "$N" -P "$2" -t "$TESTS" --csv 2>/dev/null |
    awk -F, 'NR>1 { gsub(/"/,""); print $1","$2","$5","$7 }' || true
}

printf "redis-benchmark -c %s -n %s, %s cores, %s\n" "$C" "$N" "$(nproc)" "$(redis-server --version | cut -d' ' -f3)"
printf "%-8s %3s %12s %12s %7s %9s %9s %7s %9s %9s\n" test P potato_ops redis_ops ratio potato_p50 redis_p50 p50x potato_p99 redis_p99
for P in 1 16; do
  redis-cli -p "$rport" flushall >/dev/null; redis-cli -p "$pport" flushall >/dev/null
  run "$pport" "$P" >"$tmp/p.csv"
  run "$rport" "$P" >"$tmp/r.csv"
  join -t, <(sort "$tmp/p.csv") <(sort "$tmp/r.csv") | while IFS=, read -r t pops pp50 pp99 rops rp50 rp99; do
    awk -v t="$t" -v P="$P" -v a="$pops" -v b="$rops" -v c="$pp50" -v d="$rp50" -v e="$pp99" -v f="$rp99" \
      'BEGIN { printf "%-8s %3s %12.0f %12.0f %7.2f %9.3f %9.3f %7.2f %9.3f %9.3f\n", t, P, a, b, a/b, c, d, (d>0?c/d:0), e, f }'
  done
done
