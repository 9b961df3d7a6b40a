package potato

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/redistest"
)

// ---------------------------------------------------------------------
// The oracle: a real redis-server, for tests that compare with Redis.
// ---------------------------------------------------------------------

// coreOracle is a connection to a redis-server started for one test.
type coreOracle struct {
	t    testing.TB
	port string
	conn net.Conn
	r    *bufio.Reader
}

// startCoreOracle starts redis-server on a free loopback port and stops it
// in t.Cleanup. Without redis-server the test is skipped, unless
// POTATO_REQUIRE_REDIS=1, when it fails.
func startCoreOracle(t testing.TB) *coreOracle {
	t.Helper()
	addr := redistest.Start(t)
	_, port, _ := net.SplitHostPort(addr)
	o := &coreOracle{t: t, port: port}
	var err error
	if o.conn, err = net.Dial("tcp", addr); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.conn.Close() })
	o.r = bufio.NewReader(o.conn)
	if got := o.Do("PING"); got != "+PONG" {
		t.Fatalf("redis-server PING: %q", got)
	}
	return o
}

// Dial opens another connection to the same redis-server.
func (o *coreOracle) Dial() *coreOracle {
	o.t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:"+o.port)
	if err != nil {
		o.t.Fatal(err)
	}
	o.t.Cleanup(func() { conn.Close() })
	return &coreOracle{t: o.t, port: o.port, conn: conn, r: bufio.NewReader(conn)}
}

// Send writes a command without reading its reply (for subscribers).
func (o *coreOracle) Send(args ...string) {
	o.t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := o.conn.Write([]byte(b.String())); err != nil {
		o.t.Fatal(err)
	}
}

// Read reads one reply (or pushed message).
func (o *coreOracle) Read() string {
	o.t.Helper()
	o.conn.SetDeadline(time.Now().Add(10 * time.Second))
	rep, err := o.read()
	if err != nil {
		o.t.Fatal(err)
	}
	return rep
}

// Do sends one command and returns Redis's reply in the form the rep*
// helpers below give RustyPotato's results: "+OK", "-ERR ...", ":5",
// "$value", "nil", "*[$a $b]".
func (o *coreOracle) Do(args ...string) string {
	o.t.Helper()
	o.Send(args...)
	return o.Read()
}

func (o *coreOracle) read() (string, error) {
	line, err := o.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	switch line[0] {
	case '+', '-', ':':
		return line, nil
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "nil", nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(o.r, buf); err != nil {
			return "", err
		}
		return "$" + string(buf[:n]), nil
	case '*':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return "nil", nil
		}
		elems := make([]string, n)
		for i := range elems {
			if elems[i], err = o.read(); err != nil {
				return "", err
			}
		}
		return "*[" + strings.Join(elems, " ") + "]", nil
	}
	return "", fmt.Errorf("bad reply line %q", line)
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
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

// coreErrText is the Redis reply text for an error of this package, as
// the server prints it.
func coreErrText(err error) string {
	msg := err.Error()
	if errors.Is(err, ErrInvalidArgument) {
		if i := strings.Index(msg, "potato: invalid argument: "); i >= 0 {
			return msg[i+len("potato: invalid argument: "):]
		}
	}
	return strings.TrimPrefix(msg, "potato: ")
}

// repBulk renders a bulk-string result the way coreOracle.Do renders
// Redis's reply (ErrNotFound is nil).
func repBulk(v []byte, err error) string {
	switch {
	case errors.Is(err, ErrNotFound):
		return "nil"
	case err != nil:
		return "-" + coreErrText(err)
	}
	return "$" + string(v)
}

// repInt renders an integer result.
func repInt(n int64, err error) string {
	if err != nil {
		return "-" + coreErrText(err)
	}
	return ":" + strconv.FormatInt(n, 10)
}

// repStrings renders a list of strings, sorted, as an array reply.
func repStrings(ss []string) string {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = "$" + s
	}
	return "*[" + strings.Join(parts, " ") + "]"
}

// sortedArray re-sorts the elements of an array reply from the oracle
// (KEYS has no defined order).
func sortedArray(rep string) string {
	if !strings.HasPrefix(rep, "*[") {
		return rep
	}
	body := strings.TrimSuffix(strings.TrimPrefix(rep, "*["), "]")
	if body == "" {
		return rep
	}
	// Elements are "$..." and may contain spaces: split on " $".
	parts := strings.Split(body[1:], " $")
	slices.Sort(parts)
	return "*[$" + strings.Join(parts, " $") + "]"
}

// ---------------------------------------------------------------------
// Helpers for building state.
// ---------------------------------------------------------------------

// makeHash stores a hash under key through the Tx primitives (so this file
// does not depend on the hash family's API).
func makeHash(t testing.TB, d *DB, key string, fields ...string) {
	t.Helper()
	if len(fields) == 0 {
		fields = []string{"f", "v"}
	}
	err := d.Update(func(tx *Tx) error {
		tx.Lock(key)
		e := &keyspace.Entry{Kind: keyspace.KindHash, Hash: keyspace.NewHash(len(fields) / 2)}
		tx.put(key, "hset", e)
		for i := 0; i+1 < len(fields); i += 2 {
			tx.hset(key, "hset", e, fields[i], []byte(fields[i+1]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustSet(t testing.TB, d *DB, key, value string) {
	t.Helper()
	if err := d.Set(key, []byte(value)); err != nil {
		t.Fatalf("Set(%q): %v", key, err)
	}
}

func mustSetTTL(t testing.TB, d *DB, key, value string, ttl time.Duration) {
	t.Helper()
	if _, _, err := d.SetArgs(key, []byte(value), SetArgs{TTL: ttl}); err != nil {
		t.Fatalf("SetArgs(%q, TTL %v): %v", key, ttl, err)
	}
}

// getStr returns key's value as a string, "<nil>" if missing, or the error.
func getStr(t testing.TB, d *DB, key string) string {
	t.Helper()
	v, err := d.Get(key)
	switch {
	case errors.Is(err, ErrNotFound):
		return "<nil>"
	case err != nil:
		return "<" + err.Error() + ">"
	}
	return string(v)
}

// dump describes every live key of database d with its type, value and
// deadline, sorted, for comparing whole states.
func dump(t testing.TB, d *DB) string {
	t.Helper()
	var lines []string
	err := d.View(func(tx *Tx) error {
		keys, err := tx.Keys("*")
		if err != nil {
			return err
		}
		for _, k := range keys {
			e := tx.lookup(k)
			line := fmt.Sprintf("%q %s exp=%d", k, typeName(e.Kind), e.ExpireAt)
			switch e.Kind {
			case keyspace.KindString:
				line += fmt.Sprintf(" %q", e.Str)
			case keyspace.KindHash:
				var fs []string
				for i := 0; i < e.Hash.Len(); i++ {
					f := e.Hash.At(i)
					fs = append(fs, fmt.Sprintf("%q=%q", f.Name, f.Value))
				}
				slices.Sort(fs)
				line += " {" + strings.Join(fs, " ") + "}"
			case keyspace.KindList:
				var vs []string
				for i := 0; i < e.List.Len(); i++ {
					vs = append(vs, fmt.Sprintf("%q", e.List.Index(i)))
				}
				line += " [" + strings.Join(vs, " ") + "]"
			case keyspace.KindZSet:
				line += " <" + zsetDump(e.ZSet) + ">"
			}
			lines = append(lines, line)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// dumpAll is dump over every database.
func dumpAll(t testing.TB, d *DB) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < NumDBs; i++ {
		h, _ := d.Select(i)
		if s := dump(t, h); s != "" {
			fmt.Fprintf(&b, "db%d:\n%s\n", i, s)
		}
	}
	return b.String()
}

// recordOps subscribes to d's store and returns a function that returns
// the ops seen so far ("op key" per mutation) and resets the record.
func recordOps(t testing.TB, d *DB) func() []string {
	t.Helper()
	var mu chanMutex = make(chan struct{}, 1)
	var ops []string
	cancel := d.c.subscribe(func(m *Mutation) {
		mu.lock()
		ops = append(ops, m.Op+" "+m.Key)
		mu.unlock()
	})
	t.Cleanup(cancel)
	return func() []string {
		mu.lock()
		defer mu.unlock()
		out := ops
		ops = nil
		return out
	}
}

type chanMutex chan struct{}

func (m chanMutex) lock()   { m <- struct{}{} }
func (m chanMutex) unlock() { <-m }

// ---------------------------------------------------------------------
// DEL, EXISTS, TYPE, UNLINK.
// ---------------------------------------------------------------------

func TestDelExistsType(t *testing.T) {
	d, clk := openTestDB(t)
	mustSet(t, d, "s", "v")
	makeHash(t, d, "h")
	mustSetTTL(t, d, "gone", "v", time.Second)
	mustSet(t, d, "bin\x00\xff", "v")
	clk.Advance(time.Second)

	tests := []struct {
		name string
		keys []string
		want int64
	}{
		{"one", []string{"s"}, 1},
		{"missing", []string{"nope"}, 0},
		{"expired counts as missing", []string{"gone"}, 0},
		{"repeats count", []string{"s", "s", "h"}, 3},
		{"binary key", []string{"bin\x00\xff"}, 1},
		{"none", nil, 0},
	}
	for _, tc := range tests {
		if n, err := d.Exists(tc.keys...); n != tc.want || err != nil {
			t.Errorf("Exists %s = %d, %v; want %d", tc.name, n, err, tc.want)
		}
	}

	for key, want := range map[string]string{"s": "string", "h": "hash", "nope": "none", "gone": "none"} {
		if got, err := d.Type(key); got != want || err != nil {
			t.Errorf("Type(%q) = %q, %v; want %q", key, got, err, want)
		}
	}

	// DEL counts each existing key once, even when repeated.
	if n, err := d.Del("s", "s", "nope", "gone", "h"); n != 2 || err != nil {
		t.Fatalf("Del = %d, %v; want 2", n, err)
	}
	if n, _ := d.Exists("s", "h"); n != 0 {
		t.Fatalf("keys survived Del")
	}
	if n, err := d.Unlink("bin\x00\xff", "x"); n != 1 || err != nil {
		t.Fatalf("Unlink = %d, %v; want 1", n, err)
	}
	if n, _ := d.DBSize(); n != 0 {
		t.Fatalf("DBSize after deleting everything = %d", n)
	}
}

// ---------------------------------------------------------------------
// EXPIRE family and TTL.
// ---------------------------------------------------------------------

func TestExpireConditions(t *testing.T) {
	// Redis 7: NX only without a TTL; XX only with one; GT needs a TTL and
	// a later deadline (no TTL is infinite, so GT on it fails); LT succeeds
	// on a key without TTL or with a later deadline.
	const (
		noTTL = 0
		ttl10 = 10 * time.Second
	)
	tests := []struct {
		name    string
		has     time.Duration // 0: no TTL
		cond    ExpireCond
		newTTL  time.Duration
		wantOK  bool
		wantTTL time.Duration // NoExpiry when none
	}{
		{"always/no ttl", noTTL, ExpireAlways, 5 * time.Second, true, 5 * time.Second},
		{"always/ttl", ttl10, ExpireAlways, 20 * time.Second, true, 20 * time.Second},
		{"NX/no ttl", noTTL, ExpireNX, 5 * time.Second, true, 5 * time.Second},
		{"NX/ttl", ttl10, ExpireNX, 5 * time.Second, false, ttl10},
		{"XX/no ttl", noTTL, ExpireXX, 5 * time.Second, false, NoExpiry},
		{"XX/ttl", ttl10, ExpireXX, 5 * time.Second, true, 5 * time.Second},
		{"GT/no ttl fails", noTTL, ExpireGT, 5 * time.Second, false, NoExpiry},
		{"GT/later", ttl10, ExpireGT, 20 * time.Second, true, 20 * time.Second},
		{"GT/equal", ttl10, ExpireGT, ttl10, false, ttl10},
		{"GT/earlier", ttl10, ExpireGT, 5 * time.Second, false, ttl10},
		{"LT/no ttl succeeds", noTTL, ExpireLT, 5 * time.Second, true, 5 * time.Second},
		{"LT/earlier", ttl10, ExpireLT, 5 * time.Second, true, 5 * time.Second},
		{"LT/equal", ttl10, ExpireLT, ttl10, false, ttl10},
		{"LT/later", ttl10, ExpireLT, 20 * time.Second, false, ttl10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, clk := openTestDB(t)
			if tc.has != 0 {
				mustSetTTL(t, d, "k", "v", tc.has)
			} else {
				mustSet(t, d, "k", "v")
			}
			ok, err := d.ExpireArgs("k", clk.Now().Add(tc.newTTL), tc.cond)
			if ok != tc.wantOK || err != nil {
				t.Fatalf("ExpireArgs = %v, %v; want %v", ok, err, tc.wantOK)
			}
			if got, err := d.TTL("k"); got != tc.wantTTL || err != nil {
				t.Fatalf("TTL = %v, %v; want %v", got, err, tc.wantTTL)
			}
			// On a missing key every condition fails without error.
			if ok, err := d.ExpireArgs("missing", clk.Now().Add(tc.newTTL), tc.cond); ok || err != nil {
				t.Fatalf("ExpireArgs(missing) = %v, %v", ok, err)
			}
		})
	}
}

func TestExpireConditionsAgainstRedis(t *testing.T) {
	o := startCoreOracle(t)
	d, clk := openTestDB(t)
	// Use absolute deadlines far in the future so both sides agree exactly.
	base := time.Now().Add(time.Hour).Truncate(time.Second)
	clk.Set(time.Now())
	setups := []struct {
		name string
		at   time.Time // zero: no TTL
	}{{"nottl", time.Time{}}, {"ttl", base}}
	conds := []struct {
		flag string
		cond ExpireCond
	}{{"", ExpireAlways}, {"NX", ExpireNX}, {"XX", ExpireXX}, {"GT", ExpireGT}, {"LT", ExpireLT}}
	for _, su := range setups {
		for _, c := range conds {
			for _, delta := range []time.Duration{-time.Minute, 0, time.Minute} {
				at := base.Add(delta)
				o.Do("SET", "k", "v")
				mustSet(t, d, "k", "v")
				if !su.at.IsZero() {
					o.Do("EXPIREAT", "k", strconv.FormatInt(su.at.Unix(), 10))
					d.ExpireAt("k", su.at)
				}
				args := []string{"EXPIREAT", "k", strconv.FormatInt(at.Unix(), 10)}
				if c.flag != "" {
					args = append(args, c.flag)
				}
				want := o.Do(args...)
				ok, err := d.ExpireArgs("k", at, c.cond)
				got := repInt(b2i(ok), err)
				if got != want {
					t.Errorf("%s %v: got %s, Redis %s", su.name, args, got, want)
				}
				wantT := o.Do("EXPIRETIME", "k")
				et, err := d.ExpireTime("k")
				gotT := ":-1"
				if err == nil && !et.IsZero() {
					gotT = ":" + strconv.FormatInt(et.Unix(), 10)
				}
				if gotT != wantT {
					t.Errorf("%s %v then EXPIRETIME: got %s, Redis %s", su.name, args, gotT, wantT)
				}
			}
		}
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func TestExpirePastDeadlineDeletes(t *testing.T) {
	d, clk := openTestDB(t)
	ops := recordOps(t, d)
	for _, tc := range []struct {
		name string
		do   func() (bool, error)
	}{
		{"Expire 0", func() (bool, error) { return d.Expire("k", 0) }},
		{"Expire negative", func() (bool, error) { return d.Expire("k", -time.Hour) }},
		{"ExpireAt now", func() (bool, error) { return d.ExpireAt("k", clk.Now()) }},
		{"ExpireAt past", func() (bool, error) { return d.ExpireAt("k", time.Unix(1, 0)) }},
		{"ExpireArgs LT past", func() (bool, error) { return d.ExpireArgs("k", time.Unix(1, 0), ExpireLT) }},
	} {
		mustSet(t, d, "k", "v")
		ops()
		if ok, err := tc.do(); !ok || err != nil {
			t.Errorf("%s = %v, %v; want true", tc.name, ok, err)
		}
		if n, _ := d.Exists("k"); n != 0 {
			t.Errorf("%s: key still exists", tc.name)
		}
		if got := ops(); !slices.Equal(got, []string{"del k"}) {
			t.Errorf("%s: mutations %q; want [del k]", tc.name, got)
		}
	}
	// Past deadlines on a missing key report false.
	if ok, err := d.Expire("k", -time.Second); ok || err != nil {
		t.Errorf("Expire(missing, past) = %v, %v", ok, err)
	}
}

func TestTTLAndPersist(t *testing.T) {
	d, clk := openTestDB(t)
	if _, err := d.TTL("missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TTL(missing) err = %v", err)
	}
	if _, err := d.ExpireTime("missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ExpireTime(missing) err = %v", err)
	}
	mustSet(t, d, "k", "v")
	if ttl, err := d.TTL("k"); ttl != NoExpiry || err != nil {
		t.Fatalf("TTL(no deadline) = %v, %v", ttl, err)
	}
	if et, err := d.ExpireTime("k"); !et.IsZero() || err != nil {
		t.Fatalf("ExpireTime(no deadline) = %v, %v", et, err)
	}
	if ok, _ := d.Persist("k"); ok {
		t.Fatal("Persist without a deadline reported true")
	}
	if ok, _ := d.Persist("missing"); ok {
		t.Fatal("Persist(missing) reported true")
	}
	if ok, err := d.Expire("k", 1500*time.Millisecond); !ok || err != nil {
		t.Fatalf("Expire = %v, %v", ok, err)
	}
	if ttl, _ := d.TTL("k"); ttl != 1500*time.Millisecond {
		t.Fatalf("TTL = %v; want 1.5s", ttl)
	}
	if et, _ := d.ExpireTime("k"); !et.Equal(clk.Now().Add(1500 * time.Millisecond)) {
		t.Fatalf("ExpireTime = %v; want %v", et, clk.Now().Add(1500*time.Millisecond))
	}
	clk.Advance(1499 * time.Millisecond)
	if ttl, _ := d.TTL("k"); ttl != time.Millisecond {
		t.Fatalf("TTL 1ms before the deadline = %v", ttl)
	}
	if ok, err := d.Persist("k"); !ok || err != nil {
		t.Fatalf("Persist = %v, %v", ok, err)
	}
	clk.Advance(time.Hour)
	if ttl, err := d.TTL("k"); ttl != NoExpiry || err != nil {
		t.Fatalf("TTL after Persist = %v, %v", ttl, err)
	}
	// At the deadline the key is gone (deadline <= now).
	d.Expire("k", time.Second)
	clk.Advance(time.Second)
	if _, err := d.TTL("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TTL at the deadline: %v; want ErrNotFound", err)
	}
	if getStr(t, d, "k") != "<nil>" {
		t.Fatal("Get at the deadline found the key")
	}
	// A sub-millisecond TTL rounds up to 1ms instead of vanishing.
	if _, _, err := d.SetArgs("k", []byte("v"), SetArgs{TTL: time.Microsecond}); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := d.TTL("k"); ttl != time.Millisecond {
		t.Fatalf("TTL after 1µs SET = %v; want 1ms", ttl)
	}
}

// ---------------------------------------------------------------------
// RENAME, RENAMENX, COPY, MOVE.
// ---------------------------------------------------------------------

func TestRename(t *testing.T) {
	d, clk := openTestDB(t)
	ops := recordOps(t, d)

	if err := d.Rename("missing", "x"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("Rename(missing) = %v", err)
	}
	if _, err := d.RenameNX("missing", "x"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("RenameNX(missing) = %v", err)
	}
	mustSetTTL(t, d, "gone", "v", time.Second)
	clk.Advance(time.Second)
	if err := d.Rename("gone", "x"); !errors.Is(err, ErrNoSuchKey) {
		t.Fatalf("Rename(expired) = %v", err)
	}

	mustSetTTL(t, d, "a", "1", time.Minute)
	mustSet(t, d, "b", "2")
	ops()
	if err := d.Rename("a", "b"); err != nil {
		t.Fatal(err)
	}
	if got := ops(); !slices.Equal(got, []string{"rename_from a", "rename_to b"}) {
		t.Fatalf("Rename mutations %q", got)
	}
	if getStr(t, d, "b") != "1" || getStr(t, d, "a") != "<nil>" {
		t.Fatalf("after Rename: a=%s b=%s", getStr(t, d, "a"), getStr(t, d, "b"))
	}
	if ttl, _ := d.TTL("b"); ttl != time.Minute {
		t.Fatalf("deadline did not move with the value: TTL(b) = %v", ttl)
	}
	// Renaming onto itself is OK for RENAME, 0 for RENAMENX; nothing changes.
	if err := d.Rename("b", "b"); err != nil {
		t.Fatal(err)
	}
	if ok, err := d.RenameNX("b", "b"); ok || err != nil {
		t.Fatalf("RenameNX(b, b) = %v, %v", ok, err)
	}
	if got := ops(); len(got) != 0 {
		t.Fatalf("self-rename made mutations %q", got)
	}
	mustSet(t, d, "c", "3")
	if ok, err := d.RenameNX("b", "c"); ok || err != nil {
		t.Fatalf("RenameNX onto existing = %v, %v", ok, err)
	}
	if getStr(t, d, "c") != "3" || getStr(t, d, "b") != "1" {
		t.Fatal("RenameNX onto an existing key changed something")
	}
	if ok, err := d.RenameNX("b", "new\x00key"); !ok || err != nil {
		t.Fatalf("RenameNX = %v, %v", ok, err)
	}
	// A hash renames as a whole, keeping its type.
	makeHash(t, d, "h", "f", "v")
	if err := d.Rename("h", "c"); err != nil {
		t.Fatal(err)
	}
	if typ, _ := d.Type("c"); typ != "hash" {
		t.Fatalf("Type after renaming a hash over a string = %q", typ)
	}
	// An expired destination does not block RENAMENX.
	mustSetTTL(t, d, "dst", "old", time.Second)
	mustSet(t, d, "src", "new")
	clk.Advance(time.Second)
	if ok, err := d.RenameNX("src", "dst"); !ok || err != nil {
		t.Fatalf("RenameNX onto expired key = %v, %v", ok, err)
	}
	if ttl, _ := d.TTL("dst"); ttl != NoExpiry {
		t.Fatalf("renamed key inherited the old destination's TTL: %v", ttl)
	}
}

func TestCopy(t *testing.T) {
	d, _ := openTestDB(t)
	d1, _ := d.Select(1)
	ops := recordOps(t, d)

	if _, err := d.Copy("k", "k", 0, false); !errors.Is(err, ErrSameObject) {
		t.Fatalf("Copy onto itself = %v", err)
	}
	if _, err := d.Copy("k", "k", 0, true); !errors.Is(err, ErrSameObject) {
		t.Fatalf("Copy onto itself with replace = %v", err)
	}
	if _, err := d.Copy("k", "x", 16, false); !errors.Is(err, ErrDBIndex) {
		t.Fatalf("Copy to db 16 = %v", err)
	}
	if _, err := d.Copy("k", "x", -1, false); !errors.Is(err, ErrDBIndex) {
		t.Fatalf("Copy to db -1 = %v", err)
	}
	if ok, err := d.Copy("missing", "x", 0, false); ok || err != nil {
		t.Fatalf("Copy(missing) = %v, %v", ok, err)
	}

	mustSetTTL(t, d, "src", "value", time.Minute)
	mustSet(t, d, "dst", "old")
	ops()
	if ok, err := d.Copy("src", "dst", 0, false); ok || err != nil {
		t.Fatalf("Copy onto existing without replace = %v, %v", ok, err)
	}
	if ok, err := d.Copy("src", "dst", 0, true); !ok || err != nil {
		t.Fatalf("Copy with replace = %v, %v", ok, err)
	}
	// Redis's COPY ... REPLACE emits only copy_to, no del for the old value.
	if got := ops(); !slices.Equal(got, []string{"copy_to dst"}) {
		t.Fatalf("Copy REPLACE mutations %q; want [copy_to dst]", got)
	}
	if getStr(t, d, "dst") != "value" {
		t.Fatalf("dst = %s", getStr(t, d, "dst"))
	}
	if ttl, _ := d.TTL("dst"); ttl != time.Minute {
		t.Fatalf("Copy did not copy the deadline: %v", ttl)
	}
	// To another database; the same name there is not the same object.
	if ok, err := d.Copy("src", "src", 1, false); !ok || err != nil {
		t.Fatalf("Copy to db 1 = %v, %v", ok, err)
	}
	if getStr(t, d1, "src") != "value" {
		t.Fatalf("db1 src = %s", getStr(t, d1, "src"))
	}

	// Containers are deep copies: changing one leaves the other alone.
	makeHash(t, d, "h", "f", "1")
	if ok, _ := d.Copy("h", "h2", 0, false); !ok {
		t.Fatal("Copy hash failed")
	}
	err := d.Update(func(tx *Tx) error {
		e := tx.lookupW("h2")
		tx.hset("h2", "hset", e, "f", []byte("2"))
		tx.hset("h2", "hset", e, "g", []byte("3"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	d.View(func(tx *Tx) error {
		e := tx.lookup("h")
		if v, _ := e.Hash.Get("f"); string(v) != "1" || e.Hash.Len() != 1 {
			t.Errorf("changing the copy changed the original hash: f=%q len=%d", v, e.Hash.Len())
		}
		return nil
	})
}

func TestMove(t *testing.T) {
	d, _ := openTestDB(t)
	d2, _ := d.Select(2)
	if _, err := d.Move("k", 0); !errors.Is(err, ErrSameObject) {
		t.Fatalf("Move to own db = %v", err)
	}
	if _, err := d.Move("k", 16); !errors.Is(err, ErrDBIndex) {
		t.Fatalf("Move to db 16 = %v", err)
	}
	if ok, err := d.Move("missing", 2); ok || err != nil {
		t.Fatalf("Move(missing) = %v, %v", ok, err)
	}
	mustSetTTL(t, d, "k", "v", time.Minute)
	mustSet(t, d2, "taken", "there")
	mustSet(t, d, "taken", "here")
	if ok, err := d.Move("taken", 2); ok || err != nil {
		t.Fatalf("Move onto existing = %v, %v", ok, err)
	}
	if getStr(t, d, "taken") != "here" || getStr(t, d2, "taken") != "there" {
		t.Fatal("refused Move changed something")
	}
	ops := recordOps(t, d)
	if ok, err := d.Move("k", 2); !ok || err != nil {
		t.Fatalf("Move = %v, %v", ok, err)
	}
	if got := ops(); !slices.Equal(got, []string{"move_from k", "move_to k"}) {
		t.Fatalf("Move mutations %q", got)
	}
	if getStr(t, d, "k") != "<nil>" || getStr(t, d2, "k") != "v" {
		t.Fatal("Move did not move")
	}
	if ttl, _ := d2.TTL("k"); ttl != time.Minute {
		t.Fatalf("Move lost the deadline: %v", ttl)
	}
	if n, _ := d.DBSize(); n != 1 {
		t.Fatalf("db0 size = %d; want 1", n)
	}
	if n, _ := d2.DBSize(); n != 2 {
		t.Fatalf("db2 size = %d; want 2", n)
	}
}

// ---------------------------------------------------------------------
// SWAPDB, FLUSHDB, FLUSHALL, DBSIZE, RANDOMKEY.
// ---------------------------------------------------------------------

func TestSwapFlushDB(t *testing.T) {
	d, clk := openTestDB(t)
	d1, _ := d.Select(1)
	mustSet(t, d, "a", "0")
	mustSetTTL(t, d, "t", "0", time.Minute)
	mustSet(t, d1, "b", "1")

	if err := d.SwapDB(0, 16); !errors.Is(err, ErrDBIndex) {
		t.Fatalf("SwapDB(0, 16) = %v", err)
	}
	if err := d.SwapDB(-1, 0); !errors.Is(err, ErrDBIndex) {
		t.Fatalf("SwapDB(-1, 0) = %v", err)
	}
	if err := d.SwapDB(3, 3); err != nil {
		t.Fatalf("SwapDB(3, 3) = %v", err)
	}
	if err := d.SwapDB(1, 0); err != nil {
		t.Fatal(err)
	}
	if getStr(t, d, "b") != "1" || getStr(t, d1, "a") != "0" || getStr(t, d, "a") != "<nil>" {
		t.Fatal("SwapDB did not swap")
	}
	if ttl, _ := d1.TTL("t"); ttl != time.Minute {
		t.Fatalf("deadline lost in SwapDB: %v", ttl)
	}
	// Lazy expiry still works in the swapped database.
	clk.Advance(time.Minute)
	if n, _ := d1.Exists("t"); n != 0 {
		t.Fatal("expired key visible after SwapDB")
	}
	if n, _ := d1.DBSize(); n != 2 {
		t.Fatalf("DBSIZE counts keys not yet expired, like Redis: got %d want 2", n)
	}

	if err := d1.FlushDB(); err != nil {
		t.Fatal(err)
	}
	if n, _ := d1.DBSize(); n != 0 {
		t.Fatalf("DBSize after FlushDB = %d", n)
	}
	if getStr(t, d, "b") != "1" {
		t.Fatal("FlushDB of db1 touched db0")
	}
	// Keys written after a flush behave normally (slots, expiry index).
	for i := 0; i < 100; i++ {
		mustSetTTL(t, d1, fmt.Sprint("n", i), "v", time.Second)
	}
	if n, _ := d1.DBSize(); n != 100 {
		t.Fatalf("DBSize = %d", n)
	}
	if err := d.FlushAll(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < NumDBs; i++ {
		h, _ := d.Select(i)
		if n, _ := h.DBSize(); n != 0 {
			t.Fatalf("db%d not empty after FlushAll: %d", i, n)
		}
	}
	if _, err := d.Select(NumDBs); !errors.Is(err, ErrDBIndex) {
		t.Fatalf("Select(16) = %v", err)
	}
}

func TestRandomKeyDBSize(t *testing.T) {
	d, clk := openTestDB(t)
	if _, err := d.RandomKey(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RandomKey on empty db = %v", err)
	}
	if n, err := d.DBSize(); n != 0 || err != nil {
		t.Fatalf("DBSize = %d, %v", n, err)
	}
	want := map[string]bool{}
	for i := 0; i < 50; i++ {
		k := fmt.Sprintf("k%d\x00", i)
		mustSet(t, d, k, "v")
		want[k] = true
	}
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		k, err := d.RandomKey()
		if err != nil || !want[k] {
			t.Fatalf("RandomKey = %q, %v", k, err)
		}
		seen[k] = true
	}
	if len(seen) < 40 {
		t.Fatalf("RandomKey returned only %d distinct keys of 50 in 2000 draws", len(seen))
	}
	if n, _ := d.DBSize(); n != 50 {
		t.Fatalf("DBSize = %d", n)
	}
	// Only expired keys left: RANDOMKEY finds none live.
	d.FlushDB()
	mustSetTTL(t, d, "x", "v", time.Second)
	clk.Advance(time.Second)
	if k, err := d.RandomKey(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("RandomKey with only expired keys = %q, %v", k, err)
	}
	mustSet(t, d, "live", "v")
	for i := 0; i < 100; i++ {
		if k, err := d.RandomKey(); k != "live" || err != nil {
			t.Fatalf("RandomKey = %q, %v; want live", k, err)
		}
	}
}

// ---------------------------------------------------------------------
// SCAN and KEYS.
// ---------------------------------------------------------------------

// scanAll runs a full SCAN and returns every key returned (with repeats).
func scanAll(t testing.TB, d *DB, a ScanArgs) []string {
	t.Helper()
	var out []string
	cursor := uint64(0)
	for calls := 0; ; calls++ {
		keys, next, err := d.Scan(cursor, a)
		if err != nil {
			t.Fatalf("Scan(%d): %v", cursor, err)
		}
		out = append(out, keys...)
		if next == 0 {
			return out
		}
		if calls > 10_000_000 {
			t.Fatal("SCAN does not terminate")
		}
		cursor = next
	}
}

func TestScan(t *testing.T) {
	d, clk := openTestDB(t)
	if keys := scanAll(t, d, ScanArgs{}); len(keys) != 0 {
		t.Fatalf("SCAN of an empty db = %q", keys)
	}
	var strs []string
	for i := 0; i < 300; i++ {
		k := fmt.Sprintf("user:%d", i)
		mustSet(t, d, k, "v")
		strs = append(strs, k)
	}
	makeHash(t, d, "user:hash")
	makeHash(t, d, "other:hash")
	mustSet(t, d, "", "empty key")
	mustSetTTL(t, d, "user:gone", "v", time.Second)
	clk.Advance(time.Second)

	sortedUnique := func(ks []string) []string {
		ks = slices.Clone(ks)
		slices.Sort(ks)
		return slices.Compact(ks)
	}
	all := append(slices.Clone(strs), "user:hash", "other:hash", "")
	tests := []struct {
		name string
		args ScanArgs
		want []string
	}{
		{"all", ScanArgs{}, all},
		{"star", ScanArgs{Match: "*"}, all},
		{"count 1", ScanArgs{Count: 1}, all},
		{"count 1000", ScanArgs{Count: 1000}, all},
		{"match", ScanArgs{Match: "user:1?"}, []string{"user:10", "user:11", "user:12", "user:13", "user:14",
			"user:15", "user:16", "user:17", "user:18", "user:19"}},
		{"type string", ScanArgs{Type: "string"}, append(slices.Clone(strs), "")},
		{"type hash", ScanArgs{Type: "hash"}, []string{"user:hash", "other:hash"}},
		{"type is case-insensitive", ScanArgs{Type: "HASH"}, []string{"user:hash", "other:hash"}},
		{"type and match", ScanArgs{Type: "hash", Match: "user:*"}, []string{"user:hash"}},
		{"unknown type", ScanArgs{Type: "zset"}, nil},
		{"no match", ScanArgs{Match: "nothing*"}, nil},
	}
	for _, tc := range tests {
		got := scanAll(t, d, tc.args)
		if len(sortedUnique(got)) != len(got) {
			t.Errorf("%s: SCAN of a quiet db returned duplicates", tc.name)
		}
		if g, w := sortedUnique(got), sortedUnique(tc.want); !slices.Equal(g, w) {
			t.Errorf("%s: SCAN returned %d keys, want %d (%q...)", tc.name, len(g), len(w), g[:min(len(g), 5)])
		}
	}

	// COUNT bounds the work of one call: with COUNT 10 no call returns
	// more than 10 keys.
	cursor := uint64(0)
	for {
		keys, next, _ := d.Scan(cursor, ScanArgs{Count: 10})
		if len(keys) > 10 {
			t.Fatalf("SCAN COUNT 10 returned %d keys", len(keys))
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	// A cursor from nowhere ends the scan rather than failing.
	if _, next, err := d.Scan(1<<63, ScanArgs{}); next != 0 || err != nil {
		t.Fatalf("Scan(huge cursor) = %d, %v", next, err)
	}
}

func TestKeys(t *testing.T) {
	d, clk := openTestDB(t)
	if keys, err := d.Keys("*"); len(keys) != 0 || err != nil {
		t.Fatalf("Keys on empty db = %q, %v", keys, err)
	}
	for _, k := range []string{"hello", "hallo", "hxllo", "", "a\x00b"} {
		mustSet(t, d, k, "v")
	}
	mustSetTTL(t, d, "hbllo", "v", time.Second)
	clk.Advance(time.Second)
	tests := []struct{ pattern, want string }{
		{"*", "*[$ $a\x00b $hallo $hello $hxllo]"},
		{"h?llo", "*[$hallo $hello $hxllo]"},
		{"h[ae]llo", "*[$hallo $hello]"},
		{"a\x00*", "*[$a\x00b]"},
		{"x*", "*[]"},
	}
	for _, tc := range tests {
		keys, err := d.Keys(tc.pattern)
		if got := repStrings(keys); got != tc.want || err != nil {
			t.Errorf("Keys(%q) = %q, %v; want %q", tc.pattern, got, err, tc.want)
		}
	}
}

// globKeys and globPatterns exercise Redis's glob rules: stars, '?',
// classes with ranges (either way round), negation, escapes inside and
// outside classes, unterminated classes and trailing backslashes.
var globKeys = []string{
	"", "a", "b", "z", "A", "Z", "-", "^", "[", "]", "\\", "*", "?", " ",
	"ab", "ac", "abc", "abd", "aXc", "a*c", "a?c", "a[c", "a]c", "a\\c", "a-c", "a^c",
	"hello", "hallo", "hxllo", "hllo", "heeeello", "hello world",
	"x^y", "[a]", "\\x", "foo.bar", "foo:bar:baz", "aaaaaaaaaab", "aaaaaaaaaa",
	"\x00", "a\x00c", "\xff", "é", "Hello", "HELLO",
}

var globPatterns = []string{
	"", "*", "**", "***", "?", "??", "*?", "?*", "*?*", "a*", "*c", "a*c", "*a*", "a**c",
	"h?llo", "h*llo", "h[ae]llo", "h[^e]llo", "h[a-b]llo", "h[b-a]llo", "h[a-z]llo",
	"[a-c]", "[c-a]", "[a-c]*", "[^a-c]", "[^a-c]*", "[A-z]", "[abc", "[a-", "[a-c",
	"[", "a[", "a[c", "[]", "[]]", "[]a]", "[^]", "[^]]", "[a-]", "[-a]", "[-]",
	"\\*", "a\\*c", "a\\?c", "a\\[c", "a\\]c", "a\\\\c", "a\\", "\\", "\\\\", "*\\", "a\\c",
	"[\\]]", "[\\-]", "[\\]", "[\\", "a[\\", "[\\^]", "[*]", "[?]", "a[*]c",
	"^", "[^^]", "x^y", "[!a]", "*a*a*a*a*b", "a*a*a*a*a*a*a*a*b", "*[", "*]", "[[]", "[]]*",
	"a[]c", "a[^]c", "\x00", "a\x00c", "a?c", "?\x00?", "\xff", "[\xfe-\xff]", "é", "?\xa9",
	"hello*", "*world", "foo*bar*", "foo:*:baz", "*:*:*", "[h]ello", "h[ae-f]llo",
	"HELLO", "[H]*", "[A-Z]*",
}

// TestGlobAgainstRedis compares keyspace.Match, through KEYS, with
// redis-server's KEYS on the same keys for every pattern.
func TestGlobAgainstRedis(t *testing.T) {
	o := startCoreOracle(t)
	d, _ := openTestDB(t)
	for _, k := range globKeys {
		mustSet(t, d, k, "v")
		if got := o.Do("SET", k, "v"); got != "+OK" {
			t.Fatalf("redis SET %q: %s", k, got)
		}
	}
	for _, p := range globPatterns {
		want := sortedArray(o.Do("KEYS", p))
		keys, err := d.Keys(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := repStrings(keys); got != want {
			t.Errorf("KEYS %q:\n got %q\nwant %q", p, got, want)
		}
		// SCAN MATCH uses the same rules (an empty ScanArgs.Match means
		// no MATCH option, so "" is KEYS-only).
		if p == "" {
			continue
		}
		if got := repStrings(scanAll(t, d, ScanArgs{Match: p, Count: 1000})); got != want {
			t.Errorf("SCAN MATCH %q:\n got %q\nwant %q", p, got, want)
		}
	}
}

// TestMutationOpsAgainstRedis checks that each command produces exactly
// the Mutations (op, key, db) that Redis announces as keyspace events.
func TestMutationOpsAgainstRedis(t *testing.T) {
	o := startCoreOracle(t)
	if got := o.Do("CONFIG", "SET", "notify-keyspace-events", "EA"); got != "+OK" {
		t.Fatalf("CONFIG SET: %s", got)
	}
	sub := o.Dial()
	sub.Send("PSUBSCRIBE", "__keyevent@*__:*")
	sub.Read()
	sub.Send("SUBSCRIBE", "marker")
	sub.Read()

	d, _ := openTestDB(t)
	var mu chanMutex = make(chan struct{}, 1)
	var got []string
	cancel := d.c.subscribe(func(m *Mutation) {
		mu.lock()
		got = append(got, fmt.Sprintf("%d %s %s", m.DB, m.Op, m.Key))
		mu.unlock()
	})
	defer cancel()

	ttl := 100 * time.Second
	steps := []struct {
		redis []string
		do    func() error
	}{
		{[]string{"SET", "a", "1"}, func() error { return d.Set("a", []byte("1")) }},
		{[]string{"SET", "a", "2", "EX", "100"}, func() error { _, _, err := d.SetArgs("a", []byte("2"), SetArgs{TTL: ttl}); return err }},
		{[]string{"SET", "a", "3", "KEEPTTL"}, func() error { _, _, err := d.SetArgs("a", []byte("3"), SetArgs{KeepTTL: true}); return err }},
		{[]string{"SET", "a", "4", "NX"}, func() error { _, _, err := d.SetArgs("a", []byte("4"), SetArgs{NX: true}); return err }},
		{[]string{"SET", "b", "1", "XX"}, func() error { _, _, err := d.SetArgs("b", []byte("1"), SetArgs{XX: true}); return err }},
		{[]string{"SET", "a", "5", "GET"}, func() error { _, _, err := d.SetArgs("a", []byte("5"), SetArgs{Get: true}); return err }},
		{[]string{"SETNX", "b", "1"}, func() error { _, err := d.SetNX("b", []byte("1")); return err }},
		{[]string{"SETNX", "b", "1"}, func() error { _, err := d.SetNX("b", []byte("1")); return err }},
		{[]string{"SETEX", "b", "100", "2"}, func() error { return d.SetEx("b", []byte("2"), ttl) }},
		{[]string{"GETSET", "b", "2"}, func() error { _, err := d.GetSet("b", []byte("2")); return err }},
		{[]string{"MSET", "c", "1", "d", "2"}, func() error { return d.MSet(KeyValue{"c", []byte("1")}, KeyValue{"d", []byte("2")}) }},
		{[]string{"MSETNX", "c", "1", "e", "2"}, func() error { _, err := d.MSetNX(KeyValue{"c", []byte("1")}, KeyValue{"e", []byte("2")}); return err }},
		{[]string{"MSETNX", "e", "1", "f", "2"}, func() error { _, err := d.MSetNX(KeyValue{"e", []byte("1")}, KeyValue{"f", []byte("2")}); return err }},
		{[]string{"GETDEL", "e"}, func() error { _, err := d.GetDel("e"); return err }},
		{[]string{"GETDEL", "e"}, func() error { _, err := d.GetDel("e"); return err }},
		{[]string{"GETEX", "a", "PERSIST"}, func() error { _, err := d.GetEx("a", GetExArgs{Persist: true}); return err }},
		{[]string{"GETEX", "a", "PERSIST"}, func() error { _, err := d.GetEx("a", GetExArgs{Persist: true}); return err }},
		{[]string{"GETEX", "a", "EX", "100"}, func() error { _, err := d.GetEx("a", GetExArgs{TTL: ttl}); return err }},
		{[]string{"GETEX", "a"}, func() error { _, err := d.GetEx("a", GetExArgs{}); return err }},
		{[]string{"GETEX", "a", "PXAT", "1"}, func() error { _, err := d.GetEx("a", GetExArgs{At: time.UnixMilli(1)}); return err }},
		{[]string{"APPEND", "g", "xx"}, func() error { _, err := d.Append("g", []byte("xx")); return err }},
		{[]string{"APPEND", "g", "yy"}, func() error { _, err := d.Append("g", []byte("yy")); return err }},
		{[]string{"SETRANGE", "g", "1", "Z"}, func() error { _, err := d.SetRange("g", 1, []byte("Z")); return err }},
		{[]string{"SETRANGE", "g", "1", ""}, func() error { _, err := d.SetRange("g", 1, nil); return err }},
		{[]string{"SETRANGE", "nokey", "0", ""}, func() error { _, err := d.SetRange("nokey", 0, nil); return err }},
		{[]string{"INCR", "n"}, func() error { _, err := d.Incr("n"); return err }},
		{[]string{"INCRBY", "n", "5"}, func() error { _, err := d.IncrBy("n", 5); return err }},
		{[]string{"DECR", "n"}, func() error { _, err := d.Decr("n"); return err }},
		{[]string{"DECRBY", "n", "2"}, func() error { _, err := d.DecrBy("n", 2); return err }},
		{[]string{"INCRBYFLOAT", "n", "1.5"}, func() error { _, err := d.IncrByFloatText("n", "1.5"); return err }},
		{[]string{"INCR", "g"}, func() error { _, err := d.Incr("g"); return err }},
		{[]string{"EXPIRE", "n", "100"}, func() error { _, err := d.Expire("n", ttl); return err }},
		{[]string{"EXPIRE", "n", "100", "NX"}, func() error { _, err := d.ExpireArgs("n", time.Now().Add(ttl), ExpireNX); return err }},
		{[]string{"PEXPIRE", "n", "0"}, func() error { _, err := d.Expire("n", 0); return err }},
		{[]string{"PERSIST", "c"}, func() error { _, err := d.Persist("c"); return err }},
		{[]string{"EXPIRE", "c", "100"}, func() error { _, err := d.Expire("c", ttl); return err }},
		{[]string{"PERSIST", "c"}, func() error { _, err := d.Persist("c"); return err }},
		{[]string{"RENAME", "c", "c2"}, func() error { return d.Rename("c", "c2") }},
		{[]string{"RENAME", "c2", "d"}, func() error { return d.Rename("c2", "d") }},
		{[]string{"RENAMENX", "d", "b"}, func() error { _, err := d.RenameNX("d", "b"); return err }},
		{[]string{"RENAMENX", "d", "c3"}, func() error { _, err := d.RenameNX("d", "c3"); return err }},
		{[]string{"COPY", "c3", "d2"}, func() error { _, err := d.Copy("c3", "d2", 0, false); return err }},
		{[]string{"COPY", "c3", "d2"}, func() error { _, err := d.Copy("c3", "d2", 0, false); return err }},
		{[]string{"COPY", "c3", "d2", "REPLACE"}, func() error { _, err := d.Copy("c3", "d2", 0, true); return err }},
		{[]string{"COPY", "c3", "c3", "DB", "1"}, func() error { _, err := d.Copy("c3", "c3", 1, false); return err }},
		{[]string{"MOVE", "c3", "2"}, func() error { _, err := d.Move("c3", 2); return err }},
		{[]string{"DEL", "d2", "f", "nokey"}, func() error { _, err := d.Del("d2", "f", "nokey"); return err }},
		{[]string{"UNLINK", "b"}, func() error { _, err := d.Unlink("b"); return err }},
		{[]string{"EXPIRE", "g", "-1"}, func() error { _, err := d.Expire("g", -time.Second); return err }},
	}
	for i, st := range steps {
		o.Do(st.redis...)
		o.Do("PUBLISH", "marker", strconv.Itoa(i))
		var want []string
		for {
			msg := sub.Read()
			if strings.HasPrefix(msg, "*[$message $marker ") {
				break
			}
			// *[$pmessage $__keyevent@*__:* $__keyevent@0__:set $a]
			parts := strings.Split(strings.TrimSuffix(strings.TrimPrefix(msg, "*["), "]"), " ")
			ch := strings.TrimPrefix(parts[2], "$__keyevent@")
			db, ev, _ := strings.Cut(ch, "__:")
			want = append(want, db+" "+ev+" "+strings.TrimPrefix(parts[3], "$"))
		}
		got = got[:0]
		st.do()
		mu.lock()
		g := slices.Clone(got)
		mu.unlock()
		if !slices.Equal(g, want) {
			t.Errorf("%q: mutations %q, Redis events %q", st.redis, g, want)
		}
	}
}

// TestRandomKeyAmongExpired: Redis's RANDOMKEY keeps drawing (removing
// expired keys it meets) until it finds a live key; a live key must be
// found however many expired ones surround it.
func TestRandomKeyAmongExpired(t *testing.T) {
	d, clk := openTestDB(t)
	for i := 0; i < 5000; i++ {
		mustSetTTL(t, d, fmt.Sprint("dead:", i), "v", time.Second)
	}
	clk.Advance(time.Second)
	mustSet(t, d, "live", "v")
	for i := 0; i < 20; i++ {
		if k, err := d.RandomKey(); k != "live" || err != nil {
			t.Fatalf("RandomKey = %q, %v; want live", k, err)
		}
	}
}
