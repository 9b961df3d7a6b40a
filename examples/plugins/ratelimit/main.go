//go:build wasip1

// Command ratelimit is a RustyPotato WebAssembly plugin: a token bucket
// rate limiter, atomic over its key.
//
//	FCALL ratelimit 1 <bucket-key> <capacity> <refill-per-second> [cost]
//
// replies [allowed (1 or 0), tokens left (rounded down)]. The bucket is a
// hash (tokens, ts) that expires once it would be full again.
//
// Build: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o ratelimit.wasm .
package main

import (
	"errors"
	"math"
	"strconv"
	"time"

	"rustypotato/sdk/go/rp"
)

func main() {}

func init() {
	rp.Library("ratelimit")
	rp.Register("ratelimit", limit, rp.Description("Token bucket: KEYS[1] bucket, ARGV capacity refill-per-second [cost]"))
}

func num(b []byte) (float64, error) { return strconv.ParseFloat(string(b), 64) }

func limit(c *rp.Call) (rp.Reply, error) {
	if len(c.Keys) != 1 || len(c.Args) < 2 || len(c.Args) > 3 {
		return nil, errors.New("usage: FCALL ratelimit 1 key capacity refill-per-second [cost]")
	}
	capacity, err1 := num(c.Args[0])
	rate, err2 := num(c.Args[1])
	cost := 1.0
	var err3 error
	if len(c.Args) == 3 {
		cost, err3 = num(c.Args[2])
	}
	if err1 != nil || err2 != nil || err3 != nil || capacity <= 0 || rate <= 0 || cost < 0 {
		return nil, errors.New("capacity and refill rate must be positive numbers, cost a non-negative one")
	}
	key := c.Keys[0]
	// The guest's clock is the transaction's time (the server's Clock).
	now := time.Now().UnixMilli()
	v, err := c.Do("HMGET", key, "tokens", "ts")
	if err != nil {
		return nil, err
	}
	tokens, last := capacity, now
	if len(v.Elems) == 2 && !v.Elems[0].Null && !v.Elems[1].Null {
		t, errT := num(v.Elems[0].Str)
		l, errL := strconv.ParseInt(string(v.Elems[1].Str), 10, 64)
		if errT == nil && errL == nil {
			tokens, last = t, l
		}
	}
	if now > last {
		tokens = math.Min(capacity, tokens+float64(now-last)*rate/1000)
	}
	allowed := int64(0)
	if tokens >= cost {
		tokens -= cost
		allowed = 1
	}
	if _, err := c.Do("HSET", key, "tokens", strconv.FormatFloat(tokens, 'f', -1, 64), "ts", now); err != nil {
		return nil, err
	}
	// Expire once the bucket would be full again: nothing to remember.
	ttl := int64(math.Ceil((capacity-tokens)/rate*1000)) + 1
	if _, err := c.Do("PEXPIRE", key, ttl); err != nil {
		return nil, err
	}
	return rp.Array(rp.Int(allowed), rp.Int(int64(tokens))), nil
}
