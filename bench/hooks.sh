#!/usr/bin/env bash
# SET through the RESP server under hooks: redis-benchmark SET at pipeline
# 1 and 16 against one rustypotato, with no hooks, then with 1,000 hooks
# that match no key, then with one matching built-in validator (maxlen:
# redis-benchmark's values are runs of 'x', so an int validator would
# reject them all), each run ROUNDS times in turn so that noise hits all
# alike. Prints the median ops/s of each and its ratio to no hooks.
#
#   bench/hooks.sh [requests] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
ROUNDS=${2:-3}
C=50
freeport() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
tmp=$(mktemp -d)
go build -o "$tmp/rustypotato" ./cmd/rustypotato
port=$(freeport)
"$tmp/rustypotato" --port "$port" --bind 127.0.0.1 --loglevel warning --dir "$tmp" --appendonly no --save "" >"$tmp/potato.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
cli() { redis-cli -p "$port" "$@" >/dev/null; }

setup() { # config
  for h in $(redis-cli -p "$port" hook list | awk 'prev=="name" {print} {prev=$0}'); do cli hook del "$h"; done
  case $1 in
  none) ;;
  nonmatching)
    for i in $(seq 0 999); do echo "HOOK ADD n$i other$i:* BUILTIN int"; done | redis-cli -p "$port" >/dev/null ;;
  maxlen) cli hook add len 'key:*' BUILTIN maxlen 1000 ;;
  esac
  echo "  $1: $(redis-cli -p "$port" info hooks | grep -a '^hooks:' | tr -d '\r')" >&2
}
rps() { # pipeline
  redis-benchmark -p "$port" -c "$C" -n "$N" -P "$1" -r 100000 -t set --csv 2>/dev/null | awk -F, 'NR>1 { gsub(/"/,""); print $2 }'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf "redis-benchmark SET -c %s -n %s -r 100000, %s rounds, %s cores\n" "$C" "$N" "$ROUNDS" "$(nproc)"
for P in 1 16; do
  declare -A res=()
  for r in $(seq "$ROUNDS"); do
    for cfg in none nonmatching maxlen; do
      setup "$cfg"
      res[$cfg]+="$(rps "$P") "
    done
  done
  base=$(echo "${res[none]}" | tr ' ' '\n' | grep . | median)
  for cfg in none nonmatching maxlen; do
    m=$(echo "${res[$cfg]}" | tr ' ' '\n' | grep . | median)
    awk -v c="$cfg" -v P="$P" -v m="$m" -v b="$base" -v all="${res[$cfg]}" 'BEGIN { printf "P%-3s %-12s %10.0f ops/s  %.2fx   (%s)\n", P, c, m, m/b, all }'
  done
  unset res
done
