package potato

import (
	"bytes"
	"errors"
	"testing"
)

func TestBitmaps(t *testing.T) {
	db := openTestMem(t)
	mustInt := func(n int64, err error) int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := mustInt(db.SetBit("b", 7, 1)); got != 0 {
		t.Fatalf("SETBIT old = %d", got)
	}
	if got := mustInt(db.SetBit("b", 7, 1)); got != 1 {
		t.Fatalf("SETBIT old = %d", got)
	}
	mustInt(db.SetBit("b", 17, 1))
	if v, _ := db.Get("b"); !bytes.Equal(v, []byte{0x01, 0x00, 0x40}) {
		t.Fatalf("GET b = %q", v)
	}
	for _, c := range []struct {
		off  int64
		want int64
	}{{7, 1}, {6, 0}, {17, 1}, {1000, 0}} {
		if got := mustInt(db.GetBit("b", c.off)); got != c.want {
			t.Errorf("GETBIT %d = %d, want %d", c.off, got, c.want)
		}
	}
	if _, err := db.SetBit("b", -1, 1); !errors.Is(err, ErrBitOffset) {
		t.Errorf("SETBIT -1: %v", err)
	}
	if _, err := db.SetBit("b", 0, 2); !errors.Is(err, ErrBitValue) {
		t.Errorf("SETBIT value 2: %v", err)
	}
	counts := []struct {
		r    *BitRange
		want int64
	}{
		{nil, 2}, {&BitRange{Start: 0, End: 0}, 1}, {&BitRange{Start: 1, End: -1}, 1},
		{&BitRange{Start: 8, End: 17, Bit: true}, 1}, {&BitRange{Start: 8, End: 16, Bit: true}, 0},
		{&BitRange{Start: -1, End: -2}, 0},
	}
	for _, c := range counts {
		if got := mustInt(db.BitCount("b", c.r)); got != c.want {
			t.Errorf("BITCOUNT %+v = %d, want %d", c.r, got, c.want)
		}
	}
	pos := []struct {
		bit  int
		r    *BitRange
		want int64
	}{
		{1, nil, 7}, {0, nil, 0}, {1, &BitRange{Start: 1, NoEnd: true}, 17},
		{1, &BitRange{Start: 8, End: 16, Bit: true}, -1}, {1, &BitRange{Start: 8, End: 17, Bit: true}, 17},
	}
	for _, c := range pos {
		if got := mustInt(db.BitPos("b", c.bit, c.r)); got != c.want {
			t.Errorf("BITPOS %d %+v = %d, want %d", c.bit, c.r, got, c.want)
		}
	}
	db.Set("ff", []byte{0xff, 0xff})
	if got := mustInt(db.BitPos("ff", 0, nil)); got != 16 {
		t.Errorf("BITPOS ff 0 = %d, want 16 (past the end)", got)
	}
	if got := mustInt(db.BitPos("ff", 0, &BitRange{Start: 0, End: -1})); got != -1 {
		t.Errorf("BITPOS ff 0 0 -1 = %d, want -1", got)
	}
	if n := mustInt(db.BitOpXor("x", "b", "ff")); n != 3 {
		t.Fatalf("BITOP XOR length %d", n)
	}
	if v, _ := db.Get("x"); !bytes.Equal(v, []byte{0xfe, 0xff, 0x40}) {
		t.Fatalf("BITOP XOR = %x", v)
	}
	if n := mustInt(db.BitOp("and", "x", "missing")); n != 0 {
		t.Fatalf("BITOP AND of nothing = %d", n)
	}
	if _, err := db.Get("x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty BITOP result kept its destination: %v", err)
	}
	if _, err := db.BitOp("not", "x", "a", "b"); !errors.Is(err, ErrBitOpNot) {
		t.Fatalf("BITOP NOT of two keys: %v", err)
	}
	res, err := db.BitField("bf", []BitFieldOp{
		{Kind: BitFieldSet, Bits: 8, Value: 255},
		{Kind: BitFieldIncrBy, Bits: 8, Value: 10},
		{Kind: BitFieldIncrBy, Bits: 8, Value: 300, Overflow: OverflowSat},
		{Kind: BitFieldIncrBy, Bits: 8, Value: 1, Overflow: OverflowFail},
		{Kind: BitFieldSet, Signed: true, Bits: 4, Offset: 8, Value: 100, Overflow: OverflowSat},
		{Kind: BitFieldGet, Signed: true, Bits: 4, Offset: 8},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []BitFieldResult{{Value: 0}, {Value: 9}, {Value: 255}, {Nil: true}, {Value: 0}, {Value: 7}}
	for i := range want {
		if res[i] != want[i] {
			t.Errorf("BITFIELD op %d = %+v, want %+v", i, res[i], want[i])
		}
	}
	if _, err := db.BitFieldRO("bf", []BitFieldOp{{Kind: BitFieldSet, Bits: 8}}); !errors.Is(err, ErrBitFieldRO) {
		t.Errorf("BITFIELD_RO SET: %v", err)
	}
	db.LPush("l", []byte("a"))
	if _, err := db.SetBit("l", 0, 1); !errors.Is(err, ErrWrongType) {
		t.Errorf("SETBIT on a list: %v", err)
	}
}

// A SETBIT that changes nothing is no write: a WATCH of the key holds.
func TestSetBitNoChangeKeepsWatch(t *testing.T) {
	db := openTestMem(t)
	db.SetBit("b", 3, 1)
	w := db.WatchKeys("b")
	db.SetBit("b", 3, 1)
	if err := db.Update(func(tx *Tx) error {
		if err := tx.Check(w); err != nil {
			return err
		}
		return tx.Set("other", []byte("x"))
	}); err != nil {
		t.Fatalf("unchanged bit broke the WATCH: %v", err)
	}
	w = db.WatchKeys("b")
	db.SetBit("b", 3, 0)
	if err := db.Update(func(tx *Tx) error { return tx.Check(w) }); !errors.Is(err, ErrTxAborted) {
		t.Fatalf("a changed bit left the WATCH: %v", err)
	}
}

func openTestMem(t testing.TB) *DB {
	t.Helper()
	db, err := Open(Options{ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
