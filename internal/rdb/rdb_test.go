package rdb

import (
	"bytes"
	"math/rand"
	"testing"
)

// The check value of CRC-64/Jones as Redis's crc64.c self-test has it.
func TestCRC64(t *testing.T) {
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %#x", got)
	}
}

func TestLZFRoundTrip(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 500; i++ {
		n := 21 + r.Intn(5000)
		in := make([]byte, n)
		alpha := 1 + r.Intn(20)
		for j := range in {
			in[j] = byte('a' + r.Intn(alpha))
		}
		c := Compress(in, n-4)
		if c == nil {
			continue
		}
		out := make([]byte, n)
		if m := Decompress(c, out); m != n || !bytes.Equal(out, in) {
			t.Fatalf("round trip of %d bytes: %d", n, m)
		}
	}
}

// Corrupt, truncated and forged payloads give errors, never a panic, and
// never allocate more than the bound.
func TestDecodeCorrupt(t *testing.T) {
	good := DumpString(bytes.Repeat([]byte("abc"), 100))
	if _, err := Verify(good); err != nil {
		t.Fatal(err)
	}
	if v, err := Decode(good, 1<<20); err != nil || string(v.Str) != string(bytes.Repeat([]byte("abc"), 100)) {
		t.Fatalf("decode: %q %v", v.Str, err)
	}
	for n := 0; n < len(good); n++ {
		if _, err := Verify(good[:n]); err == nil {
			t.Fatalf("truncated to %d verified", n)
		}
		Decode(good[:n], 1<<20)
	}
	bad := append([]byte{}, good...)
	bad[3] ^= 0xff
	if _, err := Verify(bad); err != ErrChecksum {
		t.Fatalf("bad crc: %v", err)
	}
	huge := []byte{0, 0xc3, 0x01, 0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0}
	if _, err := Decode(huge, 1<<20); err != ErrFormat {
		t.Fatalf("huge lzf: %v", err)
	}
	raw := []byte{0, 0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if _, err := Decode(raw, 1<<20); err != ErrFormat {
		t.Fatalf("huge raw: %v", err)
	}
	r := rand.New(rand.NewSource(2))
	for i := 0; i < 20000; i++ {
		p := append([]byte{}, good...)
		for k := 0; k < 1+r.Intn(4); k++ {
			p[r.Intn(len(p))] = byte(r.Intn(256))
		}
		Decode(p[:r.Intn(len(p)+1)], 1<<20)
	}
}
