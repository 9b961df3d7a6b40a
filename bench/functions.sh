#!/usr/bin/env bash
# Server-side functions side by side, in one run, on random loopback
# ports: a function that does one GET on RustyPotato (FCALL_RO of the
# hand-written WASM plugin, of the Go SDK's cas_version, and EVALSHA of
# the one-line Lua script) against Redis's EVALSHA of that Lua script.
#
#   bench/functions.sh [requests] [clients]
#
# Prints ops/sec and p50 for pipeline 1 and 16 with the ratio to Redis's
# EVALSHA (higher is better); a plain GET on RustyPotato is the ceiling
# a function call is measured against. Needs redis-server, redis-benchmark,
# wat2wasm and Go.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
C=${2:-50}
LUA="return redis.call('GET', KEYS[1])"

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

tmp=$(mktemp -d)
go build -o "$tmp/rustypotato" ./cmd/rustypotato
wat2wasm examples/plugins/wat/kv.wat -o "$tmp/kv.wasm"
(cd examples/plugins/cas && GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o "$tmp/cas.wasm" .)
rport=$(freeport); pport=$(freeport)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
rpid=$!
"$tmp/rustypotato" --port "$pport" --bind 127.0.0.1 --loglevel warning --dir "$tmp" --appendonly no --save "" >"$tmp/potato.log" 2>&1 &
ppid=$!
trap 'kill $rpid $ppid 2>/dev/null; wait $rpid $ppid 2>/dev/null; rm -rf "$tmp"' EXIT
for p in "$rport" "$pport"; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done
for p in "$rport" "$pport"; do redis-cli -p "$p" set key value >/dev/null; done
rsha=$(redis-cli -p "$rport" script load "$LUA")
redis-cli -p "$pport" -x function load <"$tmp/kv.wasm" >/dev/null
redis-cli -p "$pport" -x function load <"$tmp/cas.wasm" >/dev/null
psha=$(redis-cli -p "$pport" script load "$LUA" 2>/dev/null || true)

bench() { # port pipeline command... -> "rps p50"
  local port=$1 P=$2; shift 2
  redis-benchmark -p "$port" -c "$C" -n "$N" -P "$P" --csv "$@" 2>/dev/null |
    awk -F, 'NR>1 { gsub(/"/,""); print $2, $5 }'
}

printf "redis-benchmark -c %s -n %s, %s cores, %s; Redis row: EVALSHA of \"%s\"\n" "$C" "$N" "$(nproc)" "$(redis-server --version | cut -d' ' -f3)" "$LUA"
printf "%-28s %3s %12s %12s %7s %9s %9s\n" test P potato_ops redis_ops ratio potato_p50 redis_p50
for P in 1 16; do
  read -r rops rp50 < <(bench "$rport" "$P" evalsha "$rsha" 1 key)
  row() {
    local name=$1; shift
    read -r ops p50 < <(bench "$pport" "$P" "$@")
    awk -v t="$name" -v P="$P" -v a="$ops" -v b="$rops" -v c="$p50" -v d="$rp50" \
      'BEGIN { printf "%-28s %3s %12.0f %12.0f %7.2f %9.3f %9.3f\n", t, P, a, b, a/b, c, d }'
  }
  row "get (no function)" get key
  row "fcall_ro wat_get (WASM)" fcall_ro wat_get 1 key
  row "fcall_ro cas_version (Go)" fcall_ro cas_version 1 key
  if [[ "$psha" =~ ^[0-9a-f]{40}$ ]]; then
    row "evalsha (Lua)" evalsha "$psha" 1 key
  fi
done
