package server_test

import (
	"bytes"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"rustypotato/difftest"
	"rustypotato/internal/redistest"
	"rustypotato/internal/resp"
	"rustypotato/server/servertest"
)

// Every message that PUBLISH counted reaches its subscriber, after the
// subscription's confirmation and before its unsubscription's, while a
// publisher publishes as fast as it can and subscribers subscribe and
// unsubscribe in a loop. (Messages published while a confirmation was
// still in the reply buffer used to be dropped though counted.) The same
// churn runs against redis-server, which loses none either.
func TestPubSubNoLossUnderSubscribeChurn(t *testing.T) {
	redisAddr := redistest.Start(t)
	srv := servertest.New(t)
	kinds := []struct{ sub, unsub, publish, channel, message string }{
		{"SUBSCRIBE", "UNSUBSCRIBE", "PUBLISH", "churn", "message"},
		{"PSUBSCRIBE", "PUNSUBSCRIBE", "PUBLISH", "chu*", "pmessage"},
		{"SSUBSCRIBE", "SUNSUBSCRIBE", "SPUBLISH", "churn", "smessage"},
	}
	for _, target := range []struct{ name, addr string }{{"redis", redisAddr}, {"potato", srv.Addr}} {
		for _, proto := range []int{2, 3} {
			for _, k := range kinds {
				t.Run(fmt.Sprintf("%s/RESP%d/%s", target.name, proto, k.sub), func(t *testing.T) {
					counted, received := pubSubChurn(t, target.addr, proto, k.sub, k.unsub, k.publish, k.channel, k.message)
					if counted != received || counted == 0 {
						t.Fatalf("PUBLISH counted %d deliveries, subscribers received %d (lost %d)", counted, received, counted-received)
					}
					t.Logf("%d messages counted and received", counted)
				})
			}
		}
	}
}

// pubSubChurn runs one publisher (pipelined PUBLISH of "churn") against
// subscribers that subscribe, read a little and unsubscribe, over and
// over. It returns the sum of PUBLISH's replies and the number of
// messages the subscribers received.
func pubSubChurn(t *testing.T, addr string, proto int, sub, unsub, publish, channel, message string) (counted, received int64) {
	const subscribers, rounds = 3, 300
	var stop atomic.Bool
	pubDone := make(chan error, 1)
	var pubCount atomic.Int64
	go func() {
		pub := psDial(t, addr)
		rd := resp.NewReader(pub.br, resp.Limits{})
		var batch []byte
		for i := 0; !stop.Load(); i++ {
			batch = batch[:0]
			for j := 0; j < 32; j++ {
				batch = resp.AppendCommandString(batch, publish, "churn", fmt.Sprint(i*32+j))
			}
			pub.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := pub.nc.Write(batch); err != nil {
				pubDone <- err
				return
			}
			for j := 0; j < 32; j++ {
				pub.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
				v, err := rd.ReadValue()
				if err != nil || v.Type != ':' {
					pubDone <- fmt.Errorf("publish reply %+v: %v", v, err)
					return
				}
				pubCount.Add(v.Int)
			}
		}
		pubDone <- nil
	}()

	var wg sync.WaitGroup
	var got atomic.Int64
	errs := make(chan error, subscribers)
	for s := 0; s < subscribers; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := psDial(t, addr)
			rd := resp.NewReader(c.br, resp.Limits{})
			next := func() (string, string, error) {
				c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
				v, err := rd.ReadValue()
				if err != nil {
					return "", "", err
				}
				if len(v.Elems) < 3 {
					return "", "", fmt.Errorf("unexpected reply %+v", v)
				}
				return string(v.Elems[0].Str), string(v.Elems[1].Str), nil
			}
			if proto == 3 {
				c.send("HELLO", "3")
				c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
				if _, err := difftest.ReadReply(c.br, nil); err != nil {
					errs <- err
					return
				}
			}
			confirm, unconfirm := bytes.ToLower([]byte(sub)), bytes.ToLower([]byte(unsub))
			for r := 0; r < rounds; r++ {
				c.send(sub, channel)
				kind, _, err := next()
				if err != nil || kind != string(confirm) {
					errs <- fmt.Errorf("round %d: %q before the %s confirmation (%v)", r, kind, sub, err)
					return
				}
				c.send(unsub, channel)
				for {
					kind, _, err := next()
					if err != nil {
						errs <- fmt.Errorf("round %d: %v", r, err)
						return
					}
					if kind == string(unconfirm) {
						break
					}
					if kind != message {
						errs <- fmt.Errorf("round %d: %q while subscribed", r, kind)
						return
					}
					got.Add(1)
				}
			}
			errs <- nil
		}()
	}
	wg.Wait()
	stop.Store(true)
	if err := <-pubDone; err != nil {
		t.Fatal(err)
	}
	for s := 0; s < subscribers; s++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	return pubCount.Load(), got.Load()
}
