#!/usr/bin/env bash
# Cache hit ratio, side by side: the workload of redis-cli --lru-test
# (bench/lrutest) against rustypotato and redis-server, in memory, at the
# same maxmemory, for each policy. Prints each server's hit ratio over the
# measured operations (after a warm-up that fills the cache).
#
#   bench/lrutest.sh [keys] [maxmemory] [ops] [policies...]
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${1:-1000000}
MAXMEM=${2:-10mb}
OPS=${3:-2000000}
shift 3 2>/dev/null || shift $#
POLICIES=${*:-allkeys-lru allkeys-lfu allkeys-random}

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

tmp=$(mktemp -d)
go build -o "$tmp/rustypotato" ./cmd/rustypotato
go build -o "$tmp/lrutest" ./bench/lrutest
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
printf "lru-test: %s keys, maxmemory %s, %s ops measured after %s warm-up; %s cores; %s\n" \
  "$KEYS" "$MAXMEM" "$OPS" "$OPS" "$(nproc)" "$(redis-server --version | cut -d' ' -f3)"
for pol in $POLICIES; do
  rport=$(freeport); pport=$(freeport)
  redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --maxmemory "$MAXMEM" --maxmemory-policy "$pol" >"$tmp/redis.log" 2>&1 &
  rpid=$!; pids+=("$rpid")
  "$tmp/rustypotato" --port "$pport" --bind 127.0.0.1 --loglevel warning --dir "$tmp" --appendonly no --save "" \
    --maxmemory "$MAXMEM" --maxmemory-policy "$pol" >"$tmp/potato.log" 2>&1 &
  ppid=$!; pids+=("$ppid")
  for p in "$rport" "$pport"; do
    for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
  done
  echo "$pol rustypotato: $("$tmp/lrutest" -addr "127.0.0.1:$pport" -keys "$KEYS" -warmup "$OPS" -ops "$OPS")"
  echo "$pol redis:       $("$tmp/lrutest" -addr "127.0.0.1:$rport" -keys "$KEYS" -warmup "$OPS" -ops "$OPS")"
  kill "$rpid" "$ppid"; wait "$rpid" "$ppid" 2>/dev/null || true
done
