package potato

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

// stringCmd runs one string-family command, given as Redis arguments, on
// d and renders the result like coreOracle.Do renders Redis's reply. It
// knows only what the tests below send.
func stringCmd(t testing.TB, d *DB, args ...string) string {
	t.Helper()
	num := func(s string) int64 {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("bad integer %q in %q", s, args)
		}
		return n
	}
	ok := func(err error) string {
		if err != nil {
			return "-" + coreErrText(err)
		}
		return "+OK"
	}
	switch strings.ToUpper(args[0]) {
	case "SET":
		return ok(d.Set(args[1], []byte(args[2])))
	case "GET":
		return repBulk(d.Get(args[1]))
	case "GETDEL":
		return repBulk(d.GetDel(args[1]))
	case "GETRANGE":
		return repBulk(d.GetRange(args[1], num(args[2]), num(args[3])))
	case "SETRANGE":
		return repInt(d.SetRange(args[1], num(args[2]), []byte(args[3])))
	case "APPEND":
		return repInt(d.Append(args[1], []byte(args[2])))
	case "STRLEN":
		return repInt(d.StrLen(args[1]))
	case "INCR":
		return repInt(d.Incr(args[1]))
	case "DECR":
		return repInt(d.Decr(args[1]))
	case "INCRBY":
		return repInt(d.IncrBy(args[1], num(args[2])))
	case "DECRBY":
		return repInt(d.DecrBy(args[1], num(args[2])))
	case "INCRBYFLOAT":
		v, err := d.IncrByFloatText(args[1], args[2])
		return repBulk([]byte(v), err)
	case "SETNX":
		set, err := d.SetNX(args[1], []byte(args[2]))
		return repInt(b2i(set), err)
	case "DEL":
		return repInt(d.Del(args[1:]...))
	case "HSET":
		makeHash(t, d, args[1], args[2:]...)
		return ":1"
	}
	t.Fatalf("stringCmd: unknown command %q", args)
	return ""
}

// stringScript is a sequence of commands whose replies must equal
// Redis's byte for byte.
var stringScript = [][]string{
	// GETRANGE: negative, inverted and huge ranges; missing key; empty value.
	{"SET", "s", "Hello World"},
	{"GETRANGE", "s", "0", "4"},
	{"GETRANGE", "s", "-5", "-1"},
	{"GETRANGE", "s", "-1", "-5"},
	{"GETRANGE", "s", "5", "3"},
	{"GETRANGE", "s", "0", "-1"},
	{"GETRANGE", "s", "0", "-100"},
	{"GETRANGE", "s", "-100", "100"},
	{"GETRANGE", "s", "-100", "-100"},
	{"GETRANGE", "s", "-100", "-11"},
	{"GETRANGE", "s", "-100", "-12"},
	{"GETRANGE", "s", "10", "10"},
	{"GETRANGE", "s", "11", "11"},
	{"GETRANGE", "s", "11", "100"},
	{"GETRANGE", "s", "100", "200"},
	{"GETRANGE", "s", "3", "-3"},
	{"GETRANGE", "s", "-3", "3"},
	{"GETRANGE", "s", "-9223372036854775808", "9223372036854775807"},
	{"GETRANGE", "s", "9223372036854775807", "-9223372036854775808"},
	{"GETRANGE", "s", "-9223372036854775808", "-9223372036854775808"},
	{"GETRANGE", "s", "0", "0"},
	{"GETRANGE", "nokey", "0", "-1"},
	{"GETRANGE", "nokey", "5", "3"},
	{"SET", "empty", ""},
	{"GETRANGE", "empty", "0", "-1"},
	{"GETRANGE", "empty", "0", "0"},
	{"GETRANGE", "empty", "-1", "-1"},
	{"STRLEN", "empty"},
	{"STRLEN", "s"},
	{"STRLEN", "nokey"},

	// SETRANGE: padding with zero bytes, overwrite inside, grow at the end,
	// empty values, negative and huge offsets.
	{"SETRANGE", "pad", "5", "abc"},
	{"GET", "pad"},
	{"SETRANGE", "pad", "0", "xy"},
	{"GET", "pad"},
	{"SETRANGE", "pad", "7", "LONGER"},
	{"GET", "pad"},
	{"SETRANGE", "pad", "100", ""},
	{"GET", "pad"},
	{"SETRANGE", "nokey", "0", ""},
	{"GET", "nokey"},
	{"SETRANGE", "nokey", "10", ""},
	{"GET", "nokey"},
	{"SETRANGE", "pad", "-1", "x"},
	{"SETRANGE", "nokey", "-1", ""},
	{"SETRANGE", "pad", "9223372036854775807", "x"},
	{"SETRANGE", "nokey", "9223372036854775807", "x"},
	{"SETRANGE", "pad", "536870911", ""},
	{"SETRANGE", "pad", "536870912", "x"},
	{"SETRANGE", "pad", "9223372036854775807", ""},
	{"GET", "pad"},
	{"SETRANGE", "bin", "2", "\x00\xff"},
	{"GET", "bin"},

	// APPEND.
	{"APPEND", "ap", "abc"},
	{"APPEND", "ap", ""},
	{"APPEND", "ap", "\x00def"},
	{"GET", "ap"},
	{"APPEND", "new", ""},
	{"GET", "new"},
	{"STRLEN", "new"},

	// INCR family: overflow, DECRBY of the minimum, values that are not
	// Redis integers.
	{"INCR", "n"},
	{"INCRBY", "n", "9223372036854775806"},
	{"INCR", "n"},
	{"GET", "n"},
	{"INCRBY", "n", "-9223372036854775807"},
	{"DECRBY", "n", "-9223372036854775807"},
	{"SET", "n", "9223372036854775807"},
	{"INCRBY", "n", "0"},
	{"INCRBY", "n", "1"},
	{"SET", "n", "-9223372036854775808"},
	{"DECR", "n"},
	{"DECRBY", "n", "1"},
	{"INCRBY", "n", "-1"},
	{"INCRBY", "n", "9223372036854775807"},
	{"GET", "n"},
	{"DECRBY", "n", "-9223372036854775808"},
	{"DECRBY", "nokey2", "-9223372036854775808"},
	{"INCRBY", "n", "-9223372036854775808"},
	{"GET", "n"},
	{"SET", "m", "-9223372036854775808"},
	{"INCRBY", "m", "-9223372036854775808"},
	{"SET", "m", "0"},
	{"INCRBY", "m", "-9223372036854775808"},
	{"DECRBY", "m", "9223372036854775807"},
	{"SET", "i", "9223372036854775808"},
	{"INCR", "i"},
	{"SET", "i", "-9223372036854775809"},
	{"INCR", "i"},
	{"SET", "i", " 1"},
	{"INCR", "i"},
	{"SET", "i", "1 "},
	{"INCR", "i"},
	{"SET", "i", "01"},
	{"INCR", "i"},
	{"SET", "i", "-0"},
	{"INCR", "i"},
	{"SET", "i", "+1"},
	{"INCR", "i"},
	{"SET", "i", "1.0"},
	{"INCR", "i"},
	{"SET", "i", ""},
	{"INCR", "i"},
	{"SET", "i", "-"},
	{"INCR", "i"},
	{"SET", "i", "0"},
	{"INCR", "i"},
	{"SET", "i", "00"},
	{"INCR", "i"},
	{"SET", "i", "1\x00"},
	{"INCR", "i"},
	{"SET", "i", "000000000000000000001"},
	{"INCR", "i"},
	{"SET", "i", "-00000000000000000001"},
	{"INCR", "i"},
	{"SET", "i", "99999999999999999999"},
	{"INCR", "i"},
	{"SET", "i", "-9223372036854775807"},
	{"DECR", "i"},

	// Wrong type: every string command refuses a hash, and the refusal
	// comes before argument checks that look at the value.
	{"HSET", "h", "f", "v"},
	{"GET", "h"},
	{"GETRANGE", "h", "0", "-1"},
	{"SETRANGE", "h", "0", "x"},
	{"SETRANGE", "h", "0", ""},
	{"SETRANGE", "h", "-1", "x"},
	{"APPEND", "h", "x"},
	{"STRLEN", "h"},
	{"INCR", "h"},
	{"DECRBY", "h", "5"},
	{"INCRBYFLOAT", "h", "1"},
	{"INCRBYFLOAT", "h", "abc"},
	{"INCRBYFLOAT", "h", "inf"},
	{"GETDEL", "h"},
	{"SETNX", "h", "x"},
	{"GET", "h"},
	{"SET", "h", "now a string"},
	{"GET", "h"},
}

// TestStringScriptAgainstRedis runs stringScript on redis-server and on a
// DB and requires the same replies.
func TestStringScriptAgainstRedis(t *testing.T) {
	o := startCoreOracle(t)
	d, _ := openTestDB(t)
	for _, args := range stringScript {
		want := o.Do(args...)
		if args[0] == "HSET" {
			want = ":1"
		}
		got := stringCmd(t, d, args...)
		if got != want {
			t.Errorf("%q: got %q, Redis %q", args, got, want)
		}
	}
}

// incrByFloatCases are (initial value, increment) pairs for INCRBYFLOAT;
// "-" as initial value means the key does not exist.
var incrByFloatCases = [][2]string{
	{"0.1", "0.2"},
	{"10.5", "0.1"},
	{"5.0e3", "2.0e2"},
	{"-", "0.1"},
	{"-", "10.50"},
	{"-", "3.0e3"},
	{"-", "1e308"},
	{"1e308", "1e308"},
	{"1.7976931348623157e308", "1.7976931348623157e308"},
	{"1e4932", "1e4932"},
	{"1.18973149535723176502e4932", "1"},
	{"1.18973149535723176502e4932", "1.18973149535723176502e4932"},
	{"-1.18973149535723176502e4932", "-1e4932"},
	{"-", "1.18973149535723176502e4932"},
	{"-", "1.2e4932"},
	{"-", "1e4933"},
	{"-", "1e-4940"},
	{"-", "1e-5000"},
	{"-", "-1e-5000"},
	{"1", "1e-18"},
	{"1", "1e-17"},
	{"-", "0.000003814697265625"},
	{"-", "0.000003814697265635"},
	{"-", "123456789012345678901234567890"},
	{"-", "0.1234567890123456789"},
	{"-", "inf"},
	{"-", "-inf"},
	{"-", "+inf"},
	{"-", "Infinity"},
	{"-", "INF"},
	{"-", "infi"},
	{"-", "nan"},
	{"-", "NaN"},
	{"-", "-nan"},
	{"inf", "1"},
	{"1", "0x10"},
	{"-", "0x1p-2"},
	{"-", "0X1P4"},
	{"-", "0x1A"},
	{"-", "0x1e"},
	{"-", "0x.8"},
	{"-", "-0x1p3"},
	{"-", "0x"},
	{"-", "0x1p"},
	{"-", "0xg"},
	{"-", "1p3"},
	{"-", "  1"},
	{"-", " 1"},
	{"-", "\t1"},
	{"-", "1 "},
	{"-", "1e"},
	{"-", "1e+"},
	{"-", "1e+5"},
	{"-", "1E5"},
	{"-", "1.e5"},
	{"-", ".e5"},
	{"-", ".5"},
	{"-", "5."},
	{"-", "."},
	{"-", ""},
	{"-", "+"},
	{"-", "-"},
	{"-", "+5"},
	{"-", "+-5"},
	{"-", "--5"},
	{"-", "1_000"},
	{"-", "1,5"},
	{"-", "1e5e5"},
	{"-", "1.5.5"},
	{"-", "1\x00"},
	{"-", "\x00"},
	{"-", "abc"},
	{"-", "-0"},
	{"-0", "-0"},
	{"-0", "0"},
	{"0", "-0"},
	{"-0.0", "-0.0"},
	{"-", "-1e-18"},
	{"1.5", "-1.5"},
	{"1", "-1.00000000000000000001"},
	{"-", "1e400"},
	{"-", "-1e400"},
	{"-", "1e-400"},
	{"-", "1e-999999999"},
	{"-", "99e-999999999"},
	{"-", "1e-99999999999999999999"},
	{"-", "1e99999999999999999999"},
	{"-", "0e99999999999999999999"},
	{"-", "0e-99999999999999999999"},
	{"-", "-0.0e5000"},
	{"-", "0x0p99999999999999999"},
	{"-", "0x1p-99999999999999999"},
	{"-", "0e"},
	{"3", "0"},
	{"abc", "1"},
	{" 1", "1"},
	{"1e", "1"},
	{"-", strings.Repeat("1", 5119)},
	{"-", "0." + strings.Repeat("1", 5117)},
	{"-", "0." + strings.Repeat("1", 5118)},
	{"-", "0." + strings.Repeat("1", 5119)},
	{"9223372036854775807", "1"},
	{"18446744073709551615", "1"},
}

// TestIncrByFloatTextAgainstRedis compares IncrByFloatText's result and
// stored value with Redis's INCRBYFLOAT byte for byte.
func TestIncrByFloatTextAgainstRedis(t *testing.T) {
	o := startCoreOracle(t)
	d, _ := openTestDB(t)
	for _, c := range incrByFloatCases {
		o.Do("DEL", "f")
		d.Del("f")
		if c[0] != "-" {
			o.Do("SET", "f", c[0])
			mustSet(t, d, "f", c[0])
		}
		want := o.Do("INCRBYFLOAT", "f", c[1])
		v, err := d.IncrByFloatText("f", c[1])
		if got := repBulk([]byte(v), err); got != want {
			t.Errorf("%q INCRBYFLOAT %q:\n got %.200q\nwant %.200q", c[0], c[1], got, want)
		}
		if got, want := stringCmd(t, d, "GET", "f"), o.Do("GET", "f"); got != want {
			t.Errorf("%q INCRBYFLOAT %q then GET:\n got %.200q\nwant %.200q", c[0], c[1], got, want)
		}
	}
}

func TestIncrByFloat(t *testing.T) {
	d, clk := openTestDB(t)
	tests := []struct {
		incr float64
		want float64
		err  error
	}{
		{0.1, 0.1, nil},
		{0.2, 0.3, nil},
		{-0.3, 0, nil},
		{1e308, 1e308, nil},
		{math.Inf(1), 0, ErrNaNOrInf},
		{math.NaN(), 0, ErrNaNOrInf},
	}
	for _, tc := range tests {
		got, err := d.IncrByFloat("f", tc.incr)
		if !errors.Is(err, tc.err) || (err == nil && got != tc.want) {
			t.Errorf("IncrByFloat(%v) = %v, %v; want %v, %v", tc.incr, got, err, tc.want, tc.err)
		}
		if tc.incr == -0.3 {
			// 0.1 + 0.2 - 0.3 is exactly 0 in Redis's decimal-ish long
			// double arithmetic, stored as "0".
			if s := getStr(t, d, "f"); s != "0" {
				t.Errorf("stored %q; want 0", s)
			}
		}
	}
	// The TTL survives, as in Redis.
	mustSetTTL(t, d, "t", "1.5", time.Minute)
	if v, err := d.IncrByFloat("t", 1); v != 2.5 || err != nil {
		t.Fatalf("IncrByFloat = %v, %v", v, err)
	}
	if ttl, _ := d.TTL("t"); ttl != time.Minute {
		t.Fatalf("TTL after INCRBYFLOAT = %v", ttl)
	}
	clk.Advance(time.Minute)
	if v, err := d.IncrByFloat("t", 1); v != 1 || err != nil {
		t.Fatalf("IncrByFloat on an expired key = %v, %v; want 1", v, err)
	}
}

// ---------------------------------------------------------------------
// GET, SET and options.
// ---------------------------------------------------------------------

func TestGetSet(t *testing.T) {
	d, clk := openTestDB(t)
	makeHash(t, d, "h")
	if _, err := d.Get("missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get(missing) = %v", err)
	}
	if _, err := d.Get("h"); !errors.Is(err, ErrWrongType) {
		t.Fatalf("Get(hash) = %v", err)
	}
	// Binary-safe keys and values, and the empty value.
	for _, kv := range [][2]string{
		{"k", "v"},
		{"nul\x00key", "nul\x00value"},
		{"\xff\xfe", "\xc3\x28 invalid utf-8"},
		{"", "empty key"},
		{"empty value", ""},
		{strings.Repeat("k", 10000), strings.Repeat("v", 100000)},
	} {
		mustSet(t, d, kv[0], kv[1])
		v, err := d.Get(kv[0])
		if err != nil || string(v) != kv[1] || v == nil {
			t.Errorf("Get(%.20q) = %.20q, %v; want %.20q", kv[0], v, err, kv[1])
		}
		if n, _ := d.StrLen(kv[0]); n != int64(len(kv[1])) {
			t.Errorf("StrLen(%.20q) = %d", kv[0], n)
		}
	}
	// The store keeps its own copy of the caller's buffer.
	buf := []byte("original")
	d.Set("own", buf)
	copy(buf, "XXXXXXXX")
	if s := getStr(t, d, "own"); s != "original" {
		t.Fatalf("Set kept the caller's buffer: %q", s)
	}
	// A plain SET clears the TTL; an expired key reads as missing.
	mustSetTTL(t, d, "k", "v", time.Second)
	mustSet(t, d, "k", "v2")
	if ttl, _ := d.TTL("k"); ttl != NoExpiry {
		t.Fatalf("SET kept the TTL: %v", ttl)
	}
	mustSetTTL(t, d, "k", "v", time.Second)
	clk.Advance(999 * time.Millisecond)
	if s := getStr(t, d, "k"); s != "v" {
		t.Fatalf("Get 1ms before the deadline = %s", s)
	}
	clk.Advance(time.Millisecond)
	if s := getStr(t, d, "k"); s != "<nil>" {
		t.Fatalf("Get at the deadline = %s", s)
	}
	// Through a transaction, the same answers.
	d.View(func(tx *Tx) error {
		if _, err := tx.Get("k"); !errors.Is(err, ErrNotFound) {
			t.Errorf("tx.Get(expired) = %v", err)
		}
		if _, err := tx.Get("h"); !errors.Is(err, ErrWrongType) {
			t.Errorf("tx.Get(hash) = %v", err)
		}
		return nil
	})
}

func TestSetArgs(t *testing.T) {
	d, clk := openTestDB(t)
	now := clk.Now()
	type step struct {
		name    string
		value   string
		args    SetArgs
		wantOld string // "<nil>" for none
		wantSet bool
		wantErr error
		wantVal string        // value after
		wantTTL time.Duration // TTL after
	}
	steps := []step{
		{"NX on missing", "1", SetArgs{NX: true}, "<nil>", true, nil, "1", NoExpiry},
		{"NX on existing", "2", SetArgs{NX: true}, "<nil>", false, nil, "1", NoExpiry},
		{"XX on existing with TTL", "3", SetArgs{XX: true, TTL: 10 * time.Second}, "<nil>", true, nil, "3", 10 * time.Second},
		{"KEEPTTL", "4", SetArgs{KeepTTL: true}, "<nil>", true, nil, "4", 10 * time.Second},
		{"GET", "5", SetArgs{Get: true}, "4", true, nil, "5", NoExpiry},
		{"NX GET on existing", "6", SetArgs{NX: true, Get: true}, "5", false, nil, "5", NoExpiry},
		{"At", "7", SetArgs{At: now.Add(time.Hour)}, "<nil>", true, nil, "7", time.Hour},
		{"At wins over TTL", "8", SetArgs{At: now.Add(time.Hour), TTL: time.Second}, "<nil>", true, nil, "8", time.Hour},
		{"negative TTL", "9", SetArgs{TTL: -time.Second}, "<nil>", false, ErrInvalidExpire, "8", time.Hour},
		{"At before 1970", "9", SetArgs{At: time.Unix(-5, 0)}, "<nil>", false, ErrInvalidExpire, "8", time.Hour},
		{"At in the past sets an expired key", "9", SetArgs{At: time.Unix(1, 0)}, "<nil>", true, nil, "<nil>", 0},
		{"XX on expired", "10", SetArgs{XX: true}, "<nil>", false, nil, "<nil>", 0},
		{"GET on missing", "11", SetArgs{Get: true}, "<nil>", true, nil, "11", NoExpiry},
	}
	for _, st := range steps {
		old, set, err := d.SetArgs("k", []byte(st.value), st.args)
		oldS := "<nil>"
		if old != nil {
			oldS = string(old)
		}
		if oldS != st.wantOld || set != st.wantSet || !errors.Is(err, st.wantErr) {
			t.Errorf("%s: SetArgs = %q, %v, %v; want %q, %v, %v", st.name, oldS, set, err, st.wantOld, st.wantSet, st.wantErr)
		}
		if v := getStr(t, d, "k"); v != st.wantVal {
			t.Errorf("%s: value %q; want %q", st.name, v, st.wantVal)
		}
		if st.wantVal != "<nil>" {
			if ttl, _ := d.TTL("k"); ttl != st.wantTTL {
				t.Errorf("%s: TTL %v; want %v", st.name, ttl, st.wantTTL)
			}
		}
	}
	// GET on a hash refuses and changes nothing; without GET, SET replaces it.
	makeHash(t, d, "h")
	if _, _, err := d.SetArgs("h", []byte("x"), SetArgs{Get: true}); !errors.Is(err, ErrWrongType) {
		t.Fatalf("SET GET on a hash = %v", err)
	}
	if typ, _ := d.Type("h"); typ != "hash" {
		t.Fatal("SET GET on a hash replaced it")
	}
	if _, err := d.GetSet("h", []byte("x")); !errors.Is(err, ErrWrongType) {
		t.Fatalf("GetSet on a hash = %v", err)
	}
	if _, set, err := d.SetArgs("h", []byte("x"), SetArgs{}); !set || err != nil {
		t.Fatalf("SET over a hash = %v, %v", set, err)
	}
	// SetEx requires a positive TTL.
	for _, ttl := range []time.Duration{0, -time.Second} {
		if err := d.SetEx("e", []byte("v"), ttl); !errors.Is(err, ErrInvalidExpire) {
			t.Errorf("SetEx(ttl %v) = %v", ttl, err)
		}
	}
	if err := d.SetEx("e", []byte("v"), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if ttl, _ := d.TTL("e"); ttl != 2*time.Second {
		t.Fatalf("SetEx TTL = %v", ttl)
	}
	// A TTL that overflows the deadline is refused.
	if _, _, err := d.SetArgs("e", []byte("v"), SetArgs{TTL: math.MaxInt64}); err != nil {
		t.Fatalf("SET with the largest Duration: %v", err)
	}
	if ok, err := d.SetNX("e", []byte("x")); ok || err != nil {
		t.Fatalf("SetNX on existing = %v, %v", ok, err)
	}
	if old, err := d.GetSet("gs", []byte("1")); old != nil || err != nil {
		t.Fatalf("GetSet on missing = %q, %v", old, err)
	}
	if old, err := d.GetSet("gs", []byte("2")); string(old) != "1" || err != nil {
		t.Fatalf("GetSet = %q, %v", old, err)
	}
}

func TestMaxValueBytes(t *testing.T) {
	d, err := Open(Options{MaxValueBytes: 16, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := Open(Options{MaxValueBytes: -1}); err == nil {
		t.Fatal("Open accepted a negative MaxValueBytes")
	}
	big := bytes.Repeat([]byte("x"), 17)
	if err := d.Set("k", big); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("Set(17 bytes) = %v", err)
	}
	if err := d.MSet(KeyValue{"a", []byte("1")}, KeyValue{"b", big}); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("MSet with a 17-byte value = %v", err)
	}
	if n, _ := d.Exists("a"); n != 0 {
		t.Error("MSet set a key before refusing")
	}
	if _, err := d.Append("k", big); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("Append(17 bytes) to missing = %v", err)
	}
	mustSet(t, d, "k", "0123456789")
	if _, err := d.Append("k", []byte("0123456")); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("Append to 17 bytes = %v", err)
	}
	if n, err := d.Append("k", []byte("012345")); n != 16 || err != nil {
		t.Errorf("Append to 16 bytes = %d, %v", n, err)
	}
	if _, err := d.SetRange("k", 10, []byte("0123456")); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("SetRange to 17 bytes = %v", err)
	}
	if _, err := d.SetRange("k", math.MaxInt64, []byte("x")); !errors.Is(err, ErrStringTooLong) {
		t.Errorf("SetRange(MaxInt64) = %v", err)
	}
	if n, err := d.SetRange("k", 9, []byte("0123456")); n != 16 || err != nil {
		t.Errorf("SetRange to 16 bytes = %d, %v", n, err)
	}
	if s := getStr(t, d, "k"); s != "0123456780123456" {
		t.Errorf("value = %q", s)
	}
}

func TestMGetMSet(t *testing.T) {
	d, clk := openTestDB(t)
	makeHash(t, d, "h")
	mustSetTTL(t, d, "gone", "x", time.Second)
	clk.Advance(time.Second)
	if err := d.MSet(KeyValue{"a", []byte("1")}, KeyValue{"b", nil}, KeyValue{"a", []byte("3")}); err != nil {
		t.Fatal(err)
	}
	vals, err := d.MGet("a", "b", "h", "missing", "gone", "a")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"3", "", "<nil>", "<nil>", "<nil>", "3"}
	for i, v := range vals {
		got := "<nil>"
		if v != nil {
			got = string(v)
		}
		if got != want[i] {
			t.Errorf("MGet[%d] = %q; want %q", i, got, want[i])
		}
	}
	if vals, _ := d.MGet(); len(vals) != 0 {
		t.Fatalf("MGet() = %q", vals)
	}

	// MSETNX: all or nothing; an expired key counts as absent; a hash
	// counts as existing.
	tests := []struct {
		name  string
		pairs []KeyValue
		want  bool
	}{
		{"one exists", []KeyValue{{"x", []byte("1")}, {"a", []byte("1")}}, false},
		{"hash exists", []KeyValue{{"x", []byte("1")}, {"h", []byte("1")}}, false},
		{"expired is absent", []KeyValue{{"x", []byte("1")}, {"gone", []byte("2")}}, true},
		{"now x exists", []KeyValue{{"x", []byte("9")}}, false},
		{"duplicates: last wins", []KeyValue{{"y", []byte("1")}, {"y", []byte("2")}}, true},
	}
	for _, tc := range tests {
		if ok, err := d.MSetNX(tc.pairs...); ok != tc.want || err != nil {
			t.Errorf("MSetNX %s = %v, %v; want %v", tc.name, ok, err, tc.want)
		}
	}
	if getStr(t, d, "x") != "1" || getStr(t, d, "gone") != "2" || getStr(t, d, "y") != "2" {
		t.Fatalf("after MSetNX: x=%s gone=%s y=%s", getStr(t, d, "x"), getStr(t, d, "gone"), getStr(t, d, "y"))
	}
}

func TestGetDelGetEx(t *testing.T) {
	d, clk := openTestDB(t)
	makeHash(t, d, "h")
	if _, err := d.GetDel("missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetDel(missing) = %v", err)
	}
	if _, err := d.GetDel("h"); !errors.Is(err, ErrWrongType) {
		t.Fatalf("GetDel(hash) = %v", err)
	}
	mustSet(t, d, "k", "v")
	if v, err := d.GetDel("k"); string(v) != "v" || err != nil {
		t.Fatalf("GetDel = %q, %v", v, err)
	}
	if n, _ := d.Exists("k"); n != 0 {
		t.Fatal("GetDel did not delete")
	}

	if _, err := d.GetEx("missing", GetExArgs{TTL: time.Second}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("GetEx(missing) = %v", err)
	}
	if _, err := d.GetEx("h", GetExArgs{}); !errors.Is(err, ErrWrongType) {
		t.Fatalf("GetEx(hash) = %v", err)
	}
	mustSet(t, d, "k", "v")
	steps := []struct {
		name    string
		args    GetExArgs
		wantTTL time.Duration
		wantErr error
	}{
		{"no options keeps no TTL", GetExArgs{}, NoExpiry, nil},
		{"EX", GetExArgs{TTL: 10 * time.Second}, 10 * time.Second, nil},
		{"no options keeps the TTL", GetExArgs{}, 10 * time.Second, nil},
		{"EXAT", GetExArgs{At: clk.Now().Add(time.Minute)}, time.Minute, nil},
		{"negative TTL", GetExArgs{TTL: -time.Second}, time.Minute, ErrInvalidExpire},
		{"PERSIST", GetExArgs{Persist: true}, NoExpiry, nil},
		{"PERSIST again", GetExArgs{Persist: true}, NoExpiry, nil},
	}
	for _, st := range steps {
		v, err := d.GetEx("k", st.args)
		if !errors.Is(err, st.wantErr) || (err == nil && string(v) != "v") {
			t.Errorf("%s: GetEx = %q, %v; want v, %v", st.name, v, err, st.wantErr)
		}
		if ttl, _ := d.TTL("k"); ttl != st.wantTTL {
			t.Errorf("%s: TTL = %v; want %v", st.name, ttl, st.wantTTL)
		}
	}
	// A deadline already past returns the value and deletes the key.
	if v, err := d.GetEx("k", GetExArgs{At: clk.Now()}); string(v) != "v" || err != nil {
		t.Fatalf("GetEx(past) = %q, %v", v, err)
	}
	if n, _ := d.Exists("k"); n != 0 {
		t.Fatal("GetEx with a past deadline kept the key")
	}
}

// ---------------------------------------------------------------------
// APPEND, SETRANGE, INCR: values, TTLs and aliasing.
// ---------------------------------------------------------------------

func TestAppendAliasing(t *testing.T) {
	d, _ := openTestDB(t)
	mustSet(t, d, "k", "abc")
	// Grow the value so that its buffer has spare capacity.
	for i := 0; i < 10; i++ {
		d.Append("k", []byte("."))
	}
	before, _ := d.Get("k")
	keep := string(before)
	if cap(before) != len(before) {
		t.Fatalf("Get returned a slice with spare capacity (%d > %d): appending to it could write into the store", cap(before), len(before))
	}
	if n, err := d.Append("k", []byte("XYZ")); n != int64(len(keep)+3) || err != nil {
		t.Fatalf("Append = %d, %v", n, err)
	}
	if string(before) != keep {
		t.Fatalf("a value returned by Get changed after Append: %q, was %q", before, keep)
	}
	// The caller appending to its slice must not touch the store either.
	_ = append(before, "caller"...)
	if s := getStr(t, d, "k"); s != keep+"XYZ" {
		t.Fatalf("value = %q", s)
	}

	// COPY then APPEND to both: neither sees the other's bytes.
	if ok, _ := d.Copy("k", "k2", 0, false); !ok {
		t.Fatal("Copy failed")
	}
	d.Append("k", []byte("-one"))
	d.Append("k2", []byte("-two"))
	d.Append("k", []byte("-1"))
	d.Append("k2", []byte("-2"))
	if a, b := getStr(t, d, "k"), getStr(t, d, "k2"); a != keep+"XYZ-one-1" || b != keep+"XYZ-two-2" {
		t.Fatalf("after Copy and Appends: k=%q k2=%q", a, b)
	}

	// A value read inside a transaction that rolled back stays as read,
	// even after later APPENDs reuse the buffer.
	mustSet(t, d, "r", "ab")
	d.Append("r", []byte("c"))
	var kept []byte
	errBoom := errors.New("boom")
	err := d.Update(func(tx *Tx) error {
		tx.Append("r", []byte("XYZ"))
		kept, _ = tx.Get("r")
		return errBoom
	})
	if err != errBoom {
		t.Fatal(err)
	}
	if s := getStr(t, d, "r"); s != "abc" {
		t.Fatalf("rolled-back Append left %q", s)
	}
	d.Append("r", []byte("123"))
	if string(kept) != "abcXYZ" {
		t.Fatalf("a value read in a rolled-back transaction changed to %q", kept)
	}
	// GETRANGE and GETDEL results are capped too.
	for _, f := range []func() ([]byte, error){
		func() ([]byte, error) { return d.GetRange("r", 0, 1) },
		func() ([]byte, error) { return d.GetDel("r") },
	} {
		v, _ := f()
		if cap(v) != len(v) {
			t.Fatalf("result %q has spare capacity", v)
		}
	}
}

func TestKeepTTLOnModify(t *testing.T) {
	d, _ := openTestDB(t)
	for _, tc := range []struct {
		name string
		do   func() error
	}{
		{"Append", func() error { _, err := d.Append("k", []byte("1")); return err }},
		{"SetRange", func() error { _, err := d.SetRange("k", 0, []byte("2")); return err }},
		{"Incr", func() error { _, err := d.Incr("k"); return err }},
		{"IncrByFloat", func() error { _, err := d.IncrByFloatText("k", "1.5"); return err }},
	} {
		mustSetTTL(t, d, "k", "1", time.Minute)
		if err := tc.do(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if ttl, _ := d.TTL("k"); ttl != time.Minute {
			t.Errorf("%s dropped the TTL: %v", tc.name, ttl)
		}
	}
}

func TestIncrExpiredAndMissing(t *testing.T) {
	d, clk := openTestDB(t)
	mustSetTTL(t, d, "n", "100", time.Second)
	clk.Advance(time.Second)
	// An expired counter starts again from zero, without a TTL.
	if v, err := d.Incr("n"); v != 1 || err != nil {
		t.Fatalf("Incr(expired) = %d, %v", v, err)
	}
	if ttl, _ := d.TTL("n"); ttl != NoExpiry {
		t.Fatalf("TTL = %v", ttl)
	}
	if v, err := d.DecrBy("m", 5); v != -5 || err != nil {
		t.Fatalf("DecrBy(missing) = %d, %v", v, err)
	}
	if _, err := d.DecrBy("m", math.MinInt64); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("DecrBy(MinInt64) = %v", err)
	}
	if _, err := d.IncrBy("m", math.MinInt64); !errors.Is(err, ErrOverflow) {
		t.Fatalf("IncrBy(-5 + MinInt64) = %v", err)
	}
	mustSet(t, d, "max", strconv.FormatInt(math.MaxInt64, 10))
	if _, err := d.Incr("max"); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Incr(MaxInt64) = %v", err)
	}
	if v, err := d.IncrBy("max", math.MinInt64); v != -1 || err != nil {
		t.Fatalf("IncrBy(MaxInt64, MinInt64) = %d, %v", v, err)
	}
	if s := getStr(t, d, "max"); s != "-1" {
		t.Fatalf("stored %q", s)
	}
	mustSet(t, d, "nan", "12a")
	if _, err := d.Incr("nan"); !errors.Is(err, ErrNotInteger) {
		t.Fatalf("Incr(12a) = %v", err)
	}
	if s := getStr(t, d, "nan"); s != "12a" {
		t.Fatalf("a failed Incr changed the value to %q", s)
	}
	// Values round-trip through the decimal text of every magnitude.
	for _, v := range []int64{0, 1, -1, 9, 10, -10, 1 << 32, math.MaxInt64, math.MinInt64, math.MinInt64 + 1} {
		mustSet(t, d, "r", "0")
		if got, err := d.IncrBy("r", v); got != v || err != nil {
			t.Fatalf("IncrBy(0, %d) = %d, %v", v, got, err)
		}
		if s := getStr(t, d, "r"); s != strconv.FormatInt(v, 10) {
			t.Fatalf("stored %q for %d", s, v)
		}
	}
}

func TestBinarySafeStrings(t *testing.T) {
	d, _ := openTestDB(t)
	key := "k\x00\xff"
	val := []byte{0, 1, 2, 0xff, 0xfe, 0, 0xc3, 0x28}
	if err := d.Set(key, val); err != nil {
		t.Fatal(err)
	}
	if n, _ := d.Append(key, []byte{0, 0}); n != 10 {
		t.Fatalf("Append = %d", n)
	}
	if v, _ := d.GetRange(key, 2, 5); !bytes.Equal(v, []byte{2, 0xff, 0xfe, 0}) {
		t.Fatalf("GetRange = %q", v)
	}
	if n, _ := d.SetRange(key, 12, []byte{0xff}); n != 13 {
		t.Fatalf("SetRange = %d", n)
	}
	want := append(append(append([]byte{}, val...), 0, 0, 0, 0), 0xff)
	if v, _ := d.Get(key); !bytes.Equal(v, want) {
		t.Fatalf("Get = %q; want %q", v, want)
	}
	if ok, _ := d.Copy(key, "\x00", 0, false); !ok {
		t.Fatal("Copy failed")
	}
	if err := d.Rename("\x00", "\xff\x00"); err != nil {
		t.Fatal(err)
	}
	if v, _ := d.Get("\xff\x00"); !bytes.Equal(v, want) {
		t.Fatalf("after Copy+Rename = %q", v)
	}
	keys, _ := d.Keys("*\x00*")
	if got := repStrings(keys); got != repStrings([]string{key, "\xff\x00"}) {
		t.Fatalf("Keys = %q", got)
	}
	if v, err := d.IncrByFloatText("\x00f", "1.5"); v != "1.5" || err != nil {
		t.Fatalf("IncrByFloatText = %q, %v", v, err)
	}
}

// TestAppendGrowth: many appends build the right value in amortized
// linear time, and no value read along the way ever changes afterwards.
func TestAppendGrowth(t *testing.T) {
	d, _ := openTestDB(t)
	type snap struct {
		v    []byte
		want string
	}
	var snaps []snap
	var want strings.Builder
	n := 20000
	if testing.Short() {
		n = 2000
	}
	for i := 0; i < n; i++ {
		c := []byte{byte('a' + i%26)}
		got, err := d.Append("k", c)
		want.Write(c)
		if err != nil || got != int64(want.Len()) {
			t.Fatalf("Append #%d = %d, %v; want %d", i, got, err, want.Len())
		}
		if i%97 == 0 {
			v, _ := d.Get("k")
			snaps = append(snaps, snap{v, want.String()})
		}
	}
	if v, _ := d.Get("k"); string(v) != want.String() {
		t.Fatal("final value differs")
	}
	for i, s := range snaps {
		if string(s.v) != s.want {
			t.Fatalf("snapshot %d (len %d) changed after later appends", i, len(s.want))
		}
	}
}
