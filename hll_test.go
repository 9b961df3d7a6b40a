package potato

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"testing"

	"rustypotato/internal/redistest"
)

// respConn is the least RESP client the HyperLogLog compatibility test
// needs: commands out, bulk / integer / error replies back.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func (rc *respConn) do(t *testing.T, args ...[]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := rc.c.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	line, err := rc.r.ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	line = line[:len(line)-2]
	switch line[0] {
	case '$':
		n, _ := strconv.Atoi(string(line[1:]))
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := readFull(rc.r, buf); err != nil {
			t.Fatal(err)
		}
		return buf[:n]
	case '-':
		t.Fatalf("redis: %s", line)
	}
	return line[1:]
}

func readFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// TestHLLByteCompatWithRedis runs the same PFADD / PFCOUNT / PFMERGE
// sequence on redis-server and here and compares the stored values byte
// for byte (sparse, the sparse-to-dense promotion, dense, the cached
// cardinality) and every estimate.
func TestHLLByteCompatWithRedis(t *testing.T) {
	addr := redistest.Start(t)
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	r := &respConn{c: nc, r: bufio.NewReader(nc)}
	db := openTestMem(t)
	rnd := rand.New(rand.NewPCG(1, 2))
	b := func(s string) []byte { return []byte(s) }
	same := func(key string, step int) {
		t.Helper()
		want := r.do(t, b("GET"), b(key))
		got, err := db.Get(key)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s after step %d: %d bytes here, %d in Redis; first difference at %d", key, step, len(got), len(want), firstDiff(got, want))
		}
	}
	for _, c := range []struct {
		key string
		n   int
	}{{"small", 20}, {"mid", 400}, {"big", 6000}} {
		for i := 0; i < c.n; i++ {
			els := [][]byte{b("e" + strconv.Itoa(rnd.IntN(1<<30)))}
			if rnd.IntN(3) == 0 {
				els = append(els, b(strconv.Itoa(rnd.IntN(100))))
			}
			want := r.do(t, append([][]byte{b("PFADD"), b(c.key)}, els...)...)
			got, err := db.PFAdd(c.key, els...)
			if err != nil {
				t.Fatal(err)
			}
			if (string(want) == "1") != got {
				t.Fatalf("PFADD %s %q: %v here, %s in Redis", c.key, els, got, want)
			}
			if i%50 == 0 || i == c.n-1 {
				same(c.key, i)
				want := r.do(t, b("PFCOUNT"), b(c.key))
				n, err := db.PFCount(c.key)
				if err != nil || strconv.FormatInt(n, 10) != string(want) {
					t.Fatalf("PFCOUNT %s = %d, %v; Redis %s", c.key, n, err, want)
				}
				same(c.key, i) // with the cached estimate
			}
		}
	}
	for _, keys := range [][]string{{"small", "mid"}, {"mid", "big", "missing"}} {
		args := [][]byte{b("PFCOUNT")}
		for _, k := range keys {
			args = append(args, b(k))
		}
		want := r.do(t, args...)
		n, err := db.PFCount(keys...)
		if err != nil || strconv.FormatInt(n, 10) != string(want) {
			t.Fatalf("PFCOUNT %v = %d, %v; Redis %s", keys, n, err, want)
		}
	}
	r.do(t, b("PFMERGE"), b("m1"), b("small"), b("mid"))
	r.do(t, b("PFMERGE"), b("m2"), b("small"), b("big"))
	if err := db.PFMerge("m1", "small", "mid"); err != nil {
		t.Fatal(err)
	}
	if err := db.PFMerge("m2", "small", "big"); err != nil {
		t.Fatal(err)
	}
	same("m1", -1)
	same("m2", -1)
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func TestHLLErrorsAndPersistence(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(Options{Dir: dir, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	db.Set("s", []byte("not an hll"))
	if _, err := db.PFAdd("s", []byte("a")); err != ErrNotHLL {
		t.Fatalf("PFADD on a plain string: %v", err)
	}
	db.LPush("l", []byte("a"))
	if _, err := db.PFCount("l"); err != ErrWrongType {
		t.Fatalf("PFCOUNT on a list: %v", err)
	}
	corrupt := append(newHLL()[:hllHdrSize], 0x7f) // an XZERO cut short
	hllInvalidate(corrupt)                         // no cached estimate to answer with
	db.Set("c", corrupt)
	if _, err := db.PFCount("c"); err != ErrHLLCorrupt {
		t.Fatalf("PFCOUNT of a corrupt value: %v", err)
	}
	for i := 0; i < 3000; i++ {
		db.PFAdd("h", []byte(strconv.Itoa(i)))
	}
	db.SetBit("b", 1000, 1)
	n, _ := db.PFCount("h")
	before, _ := db.Get("h")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(Options{Dir: dir, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	after, _ := db.Get("h")
	if !bytes.Equal(before, after) {
		t.Fatal("HyperLogLog changed across a restart")
	}
	if m, _ := db.PFCount("h"); m != n || n < 2900 || n > 3100 {
		t.Fatalf("PFCOUNT after restart %d, before %d (3000 added)", m, n)
	}
	if bit, _ := db.GetBit("b", 1000); bit != 1 {
		t.Fatal("SETBIT lost across a restart")
	}
	// A branch sees the parent's values and changes its own only.
	if err := db.CreateBranch("f", BranchArgs{}); err != nil {
		t.Fatal(err)
	}
	f, err := db.Branch("f")
	if err != nil {
		t.Fatal(err)
	}
	f.PFAdd("h", []byte("only on f"), []byte("and this"))
	f.SetBit("b", 1000, 0)
	if bit, _ := db.GetBit("b", 1000); bit != 1 {
		t.Fatal("SETBIT on a branch changed main")
	}
	if v, _ := db.Get("h"); !bytes.Equal(v, after) {
		t.Fatal("PFADD on a branch changed main")
	}
	if bit, _ := f.GetBit("b", 1000); bit != 0 {
		t.Fatal("SETBIT on a branch was lost")
	}
}
