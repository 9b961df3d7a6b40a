#!/usr/bin/env bash
# Pub/sub fan-out, side by side: 1 publisher, N subscribers (default 50),
# 100-byte messages, against rustypotato and redis-server on random
# loopback ports, in one run. Prints delivered messages/sec for each and
# the ratio (ours/redis, higher is better).
#
#   bench/pubsub.sh [messages] [subscribers] [size] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
S=${2:-50}
SIZE=${3:-100}
ROUNDS=${4:-3}

freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

tmp=$(mktemp -d)
go build -o "$tmp/rustypotato" ./cmd/rustypotato
go build -o "$tmp/fanout" ./bench/fanout
rport=$(freeport); pport=$(freeport)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no >"$tmp/redis.log" 2>&1 &
rpid=$!
"$tmp/rustypotato" --port "$pport" --bind 127.0.0.1 --loglevel warning --dir "$tmp" --appendonly no --save "" >"$tmp/potato.log" 2>&1 &
ppid=$!
trap 'kill $rpid $ppid 2>/dev/null; wait $rpid $ppid 2>/dev/null; rm -rf "$tmp"' EXIT
for p in "$rport" "$pport"; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

rate() { "$tmp/fanout" -addr "127.0.0.1:$1" -subs "$S" -size "$SIZE" -n "$N" | sed -n 's/.*delivered\/s=\([0-9]*\).*/\1/p'; }

printf "fan-out: 1 publisher, %s subscribers, %s-byte messages, %s messages; %s cores; %s\n" \
  "$S" "$SIZE" "$N" "$(nproc)" "$(redis-server --version | cut -d' ' -f3)"
printf "%5s %14s %14s %7s\n" round potato_msg/s redis_msg/s ratio
for r in $(seq "$ROUNDS"); do
  p=$(rate "$pport"); q=$(rate "$rport")
  awk -v r="$r" -v a="$p" -v b="$q" 'BEGIN { printf "%5s %14.0f %14.0f %7.2f\n", r, a, b, a/b }'
done
