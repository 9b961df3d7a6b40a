#!/usr/bin/env bash
# Large bulks, rustypotato beside redis-server in one run: 4 connections
# each SET a 256 MB value at once while a fifth PINGs every 10 ms
# (bench/bigbulk/main.go). Both servers run in memory (no persistence),
# one after the other, on random loopback ports.
#
#   bench/bigbulk.sh            # CONNS=4 SIZE=268435456 by default
#   BIN=/path/to/rustypotato bench/bigbulk.sh   # measure another build
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS=${CONNS:-4}
SIZE=${SIZE:-268435456}
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]:-}"; do kill $p 2>/dev/null || true; done; rm -rf "$tmp"' EXIT
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
waitping() { for _ in $(seq 1000); do [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0; sleep 0.01; done; return 1; }
BIN=${BIN:-}
if [ -z "$BIN" ]; then
  go build -o "$tmp/rustypotato" ./cmd/rustypotato
  BIN=$tmp/rustypotato
fi
go build -o "$tmp/bigbulk" ./bench/bigbulk
echo "$(nproc) cores; $CONNS connections x $SIZE bytes; $(redis-server --version | cut -d' ' -f3)"
run() { # name cmd...
  local name=$1; shift
  PORT=$(freeport)
  "$@" --port "$PORT" >"$tmp/$name.log" 2>&1 &
  local pid=$!; pids+=("$pid")
  waitping "$PORT"
  printf "%-12s " "$name"
  "$tmp/bigbulk" -addr "127.0.0.1:$PORT" -pid "$pid" -conns "$CONNS" -size "$SIZE"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
run rustypotato "$BIN" --bind 127.0.0.1 --appendonly no --save '' --loglevel warning
run redis redis-server --bind 127.0.0.1 --appendonly no --save '' --dir "$tmp"
