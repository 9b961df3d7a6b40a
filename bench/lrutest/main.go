// Command lrutest measures a cache's hit ratio with the workload of
// redis-cli --lru-test: keys "lru:N" with N drawn from a power law over
// -keys numbers (alpha 6.2: 20% of the keys take 80% of the accesses),
// cycles of 250 pipelined SETs of a 5-byte value then 250 pipelined GETs.
// A GET that finds its key is a hit. It runs -warmup operations first
// (filling the cache to its maxmemory), then -ops more and reports their
// hit ratio, with the server's evicted_keys and keys held. The random
// sequence is fixed by -seed, so two servers see the same requests.
//
//	go run ./bench/lrutest -addr 127.0.0.1:6379 -keys 1000000 -ops 2000000
//
// bench/lrutest.sh runs it against rustypotato and redis-server side by
// side at the same maxmemory and policy.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	keys := flag.Int64("keys", 1000000, "size of the key space (redis-cli --lru-test <keys>)")
	warmup := flag.Int("warmup", 2000000, "operations before measuring")
	ops := flag.Int("ops", 2000000, "operations measured (half GETs)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if err := run(*addr, *keys, *warmup, *ops, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "lrutest:", err)
		os.Exit(1)
	}
}

// powerLawRand is redis-cli's powerLawRand(min, max, alpha).
func powerLawRand(rnd *rand.Rand, lo, hi int64, alpha float64) int64 {
	hi++
	r := rnd.Float64()
	pl := math.Pow((math.Pow(float64(hi), alpha+1)-math.Pow(float64(lo), alpha+1))*r+math.Pow(float64(lo), alpha+1), 1/(alpha+1))
	return (hi - 1 - int64(pl)) + lo
}

const pipeline = 250 // redis-cli's LRU_CYCLE_PIPELINE_SIZE

func run(addr string, keys int64, warmup, ops int, seed uint64) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := bufio.NewReaderSize(conn, 1<<16)
	w := bufio.NewWriterSize(conn, 1<<16)
	rnd := rand.New(rand.NewPCG(seed, seed*7+1))
	var hits, misses, errs int64
	key := func() string { return "lru:" + strconv.FormatInt(powerLawRand(rnd, 1, keys, 6.2), 10) }
	cmd := func(args ...string) {
		fmt.Fprintf(w, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(w, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	cycle := func(count bool) error {
		val := make([]byte, 5)
		for j := 0; j < pipeline; j++ {
			for i := range val {
				val[i] = byte('A' + rnd.IntN('z'-'A'))
			}
			cmd("SET", key(), string(val))
		}
		if err := w.Flush(); err != nil {
			return err
		}
		for j := 0; j < pipeline; j++ {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if line[0] == '-' && count {
				errs++
			}
		}
		for j := 0; j < pipeline; j++ {
			cmd("GET", key())
		}
		if err := w.Flush(); err != nil {
			return err
		}
		for j := 0; j < pipeline; j++ {
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			switch {
			case line[0] == '-':
				if count {
					errs++
				}
			case strings.HasPrefix(line, "$-1"):
				if count {
					misses++
				}
			default:
				if _, err := r.ReadString('\n'); err != nil {
					return err
				}
				if count {
					hits++
				}
			}
		}
		return nil
	}
	for n := 0; n < warmup; n += 2 * pipeline {
		if err := cycle(false); err != nil {
			return err
		}
	}
	start := time.Now()
	for n := 0; n < ops; n += 2 * pipeline {
		if err := cycle(true); err != nil {
			return err
		}
	}
	el := time.Since(start)
	info, err := infoFields(r, w, cmd)
	if err != nil {
		return err
	}
	gets := hits + misses
	fmt.Printf("hits=%d misses=%d hit_ratio=%.4f errors=%d ops/s=%.0f used_memory=%s maxmemory=%s evicted_keys=%s keys=%s\n",
		hits, misses, float64(hits)/float64(max(gets, 1)), errs, float64(ops)/el.Seconds(),
		info["used_memory"], info["maxmemory"], info["evicted_keys"], info["db0"])
	return nil
}

func infoFields(r *bufio.Reader, w *bufio.Writer, cmd func(...string)) (map[string]string, error) {
	cmd("INFO")
	if err := w.Flush(); err != nil {
		return nil, err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return nil, fmt.Errorf("INFO reply %q", line)
	}
	buf := make([]byte, n+2)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, l := range strings.Split(string(buf), "\r\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			if k == "db0" {
				v, _, _ = strings.Cut(strings.TrimPrefix(v, "keys="), ",")
			}
			m[k] = v
		}
	}
	return m, nil
}
