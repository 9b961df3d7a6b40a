// Command fanout measures pub/sub fan-out over RESP: one publisher sends
// PUBLISH commands (pipelined) to one channel, N subscribers read every
// message; it reports delivered messages per second (messages received by
// all subscribers together, divided by the time from the first PUBLISH to
// the last message received).
//
//	go run ./bench/fanout -addr 127.0.0.1:6379 -subs 50 -size 100 -n 200000
//
// bench/pubsub.sh runs it against rustypotato and redis-server side by
// side.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6379", "server address")
	subs := flag.Int("subs", 50, "subscribers")
	size := flag.Int("size", 100, "message size in bytes")
	n := flag.Int("n", 200000, "messages to publish")
	pipeline := flag.Int("pipeline", 64, "PUBLISH commands per write")
	flag.Parse()
	if err := run(*addr, *subs, *size, *n, *pipeline); err != nil {
		fmt.Fprintln(os.Stderr, "fanout:", err)
		os.Exit(1)
	}
}

func run(addr string, subs, size, n, pipeline int) error {
	const channel = "fanout"
	// Every message frame a subscriber receives has the same length.
	frame := len(fmt.Sprintf("*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n", len(channel), channel, size)) + size + 2
	var wg sync.WaitGroup
	var delivered atomic.Int64
	ready := make(chan error, subs)
	for i := 0; i < subs; i++ {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer nc.Close()
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReaderSize(nc, 256<<10)
			nc.Write([]byte("*2\r\n$9\r\nSUBSCRIBE\r\n$6\r\n" + channel + "\r\n"))
			confirm := fmt.Sprintf("*3\r\n$9\r\nsubscribe\r\n$6\r\n%s\r\n:1\r\n", channel)
			if _, err := io.ReadFull(br, make([]byte, len(confirm))); err != nil {
				ready <- err
				return
			}
			ready <- nil
			want := int64(n) * int64(frame)
			buf := make([]byte, 256<<10)
			var got int64
			for got < want {
				nc.SetReadDeadline(time.Now().Add(30 * time.Second))
				k, err := br.Read(buf)
				got += int64(k)
				if err != nil {
					fmt.Fprintln(os.Stderr, "subscriber:", err)
					return
				}
			}
			delivered.Add(got / int64(frame))
		}()
	}
	for i := 0; i < subs; i++ {
		if err := <-ready; err != nil {
			return err
		}
	}
	pub, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer pub.Close()
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = 'x'
	}
	cmd := []byte("*3\r\n$7\r\nPUBLISH\r\n$" + strconv.Itoa(len(channel)) + "\r\n" + channel + "\r\n$" + strconv.Itoa(size) + "\r\n")
	cmd = append(append(cmd, payload...), '\r', '\n')
	var batch []byte
	for i := 0; i < pipeline; i++ {
		batch = append(batch, cmd...)
	}
	// Read PUBLISH replies concurrently; each is ":<subs>\r\n".
	replyLen := len(":" + strconv.Itoa(subs) + "\r\n")
	replies := make(chan error, 1)
	go func() {
		_, err := io.CopyN(io.Discard, pub, int64(n*replyLen))
		replies <- err
	}()
	start := time.Now()
	for sent := 0; sent < n; {
		k := min(pipeline, n-sent)
		if _, err := pub.Write(batch[:k*len(cmd)]); err != nil {
			return err
		}
		sent += k
	}
	if err := <-replies; err != nil {
		return fmt.Errorf("publish replies: %w", err)
	}
	wg.Wait()
	el := time.Since(start)
	d := delivered.Load()
	fmt.Printf("subs=%d size=%d published=%d delivered=%d elapsed=%.3fs delivered/s=%.0f\n",
		subs, size, n, d, el.Seconds(), float64(d)/el.Seconds())
	if d != int64(n)*int64(subs) {
		return fmt.Errorf("delivered %d of %d", d, n*subs)
	}
	return nil
}
