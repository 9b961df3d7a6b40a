// Command bigbulk measures what large bulks cost a server: C connections
// each send one SET of a SIZE-byte value at the same time, while one more
// connection sends a PING every 10 ms. It reports the server's peak RSS
// during the SETs, the PING latency meanwhile (max and p99), and its RSS
// 1 s and 5 s after the senders disconnected, then 2 s after FLUSHALL.
//
//	go run ./bench/bigbulk -addr 127.0.0.1:6379 -pid 1234 -conns 4 -size 268435456
//
// bench/bigbulk.sh runs it against rustypotato and redis-server side by
// side.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// rss returns the resident set size of pid in bytes.
func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func dial(addr string) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return c, bufio.NewReader(c)
}

func mustLine(r *bufio.Reader) string {
	l, err := r.ReadString('\n')
	if err != nil {
		fmt.Fprintln(os.Stderr, "reply:", err)
		os.Exit(1)
	}
	return strings.TrimSpace(l)
}

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	pid := flag.Int("pid", 0, "server process id (for RSS)")
	conns := flag.Int("conns", 4, "connections sending a big SET each")
	size := flag.Int("size", 256<<20, "bytes per value")
	flag.Parse()

	var peak atomic.Int64
	stopRSS := make(chan struct{})
	go func() {
		for {
			select {
			case <-stopRSS:
				return
			case <-time.After(20 * time.Millisecond):
			}
			if r := rss(*pid); r > peak.Load() {
				peak.Store(r)
			}
		}
	}()

	// The PING connection, measuring while the SETs run.
	pc, pr := dial(*addr)
	defer pc.Close()
	var lat []time.Duration
	var latMu sync.Mutex
	pinging := make(chan struct{})
	pingDone := make(chan struct{})
	go func() {
		defer close(pingDone)
		for {
			select {
			case <-pinging:
				return
			default:
			}
			t0 := time.Now()
			pc.Write([]byte("PING\r\n"))
			mustLine(pr)
			d := time.Since(t0)
			latMu.Lock()
			lat = append(lat, d)
			latMu.Unlock()
			time.Sleep(10 * time.Millisecond)
		}
	}()

	chunk := bytes.Repeat([]byte("x"), 1<<20)
	start := time.Now()
	var wg sync.WaitGroup
	var senders []net.Conn
	for i := 0; i < *conns; i++ {
		c, r := dial(*addr)
		senders = append(senders, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("big:%d", i)
			fmt.Fprintf(c, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n", len(key), key, *size)
			for left := *size; left > 0; left -= len(chunk) {
				if _, err := c.Write(chunk[:min(left, len(chunk))]); err != nil {
					fmt.Fprintln(os.Stderr, "write:", err)
					os.Exit(1)
				}
			}
			c.Write([]byte("\r\n"))
			if l := mustLine(r); l != "+OK" {
				fmt.Fprintln(os.Stderr, "SET:", l)
				os.Exit(1)
			}
		}()
	}
	wg.Wait()
	took := time.Since(start)
	close(pinging)
	<-pingDone
	for _, c := range senders {
		c.Close()
	}
	peakDuring := peak.Load()
	time.Sleep(time.Second)
	after1 := rss(*pid)
	time.Sleep(4 * time.Second)
	after5 := rss(*pid)
	pc.Write([]byte("FLUSHALL\r\n"))
	mustLine(pr)
	time.Sleep(2 * time.Second)
	flushed := rss(*pid)
	close(stopRSS)

	slices.Sort(lat)
	p99 := lat[len(lat)*99/100]
	mb := func(b int64) string { return fmt.Sprintf("%.0f", float64(b)/(1<<20)) }
	fmt.Printf("set_seconds=%.2f peak_rss_mb=%s ping_max_ms=%.1f ping_p99_ms=%.1f pings=%d rss_1s_mb=%s rss_5s_mb=%s rss_flushall_mb=%s\n",
		took.Seconds(), mb(peakDuring), float64(lat[len(lat)-1].Microseconds())/1000, float64(p99.Microseconds())/1000, len(lat),
		mb(after1), mb(after5), mb(flushed))
}
