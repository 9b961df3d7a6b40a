package store

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func openT(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{Logger: quiet()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// loadAll returns every record of s rendered one per line.
func loadAll(t *testing.T, s *Store, now int64) []string {
	t.Helper()
	var out []string
	err := s.Load(now, func(r *Record) error {
		out = append(out, fmt.Sprintf("%d %q tag=%d kind=%d dl=%d f=%q pos=%d v=%q", r.DB, r.Key, r.Tag, r.Kind, r.Deadline, r.Field, r.Pos, r.Value))
		return nil
	})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return out
}

func TestEncodingRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	b := s.NewBatch()
	b.PutString(0, "s", 0, []byte("v"))
	b.PutString(0, "empty\x00key", 0, []byte{})
	b.PutString(3, "ttl", 5000, []byte("x"))
	b.PutString(3, "expired", 999, []byte("x"))
	b.PutMeta(1, "h", KindHash, 0)
	b.PutField(1, "h", "f\x00", []byte("1"))
	b.PutField(1, "h", "", []byte("2"))
	b.PutMeta(1, "l", KindList, 0)
	for p := int64(-2); p <= 1; p++ {
		b.PutElem(1, "l", p, []byte(fmt.Sprint(p)))
	}
	// A key that is a prefix of another, and one whose records would sort
	// inside it without the length prefix.
	b.PutMeta(2, "a", KindList, 0)
	b.PutElem(2, "a", 0, []byte("a0"))
	b.PutString(2, "a\x02", 0, []byte("tricky"))
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	got := loadAll(t, s, 1000)
	want := []string{
		`0 "s" tag=0 kind=1 dl=0 f="" pos=0 v="v"`, // keys sort by length first
		`0 "empty\x00key" tag=0 kind=1 dl=0 f="" pos=0 v=""`,
		`1 "h" tag=0 kind=2 dl=0 f="" pos=0 v=""`,
		`1 "h" tag=1 kind=0 dl=0 f="" pos=0 v="2"`,
		`1 "h" tag=1 kind=0 dl=0 f="f\x00" pos=0 v="1"`,
		`1 "l" tag=0 kind=3 dl=0 f="" pos=0 v=""`,
		`1 "l" tag=2 kind=0 dl=0 f="" pos=-2 v="-2"`,
		`1 "l" tag=2 kind=0 dl=0 f="" pos=-1 v="-1"`,
		`1 "l" tag=2 kind=0 dl=0 f="" pos=0 v="0"`,
		`1 "l" tag=2 kind=0 dl=0 f="" pos=1 v="1"`,
		`2 "a" tag=0 kind=3 dl=0 f="" pos=0 v=""`,
		`2 "a" tag=2 kind=0 dl=0 f="" pos=0 v="a0"`,
		`2 "a\x02" tag=0 kind=1 dl=0 f="" pos=0 v="tricky"`,
		`3 "ttl" tag=0 kind=1 dl=5000 f="" pos=0 v="x"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The expired key was deleted by Load.
	if got := loadAll(t, s, 0); len(got) != len(want) {
		t.Fatalf("expired key came back: %d records", len(got))
	}
	// DelKey removes a container whatever its size; DelElems a range.
	b = s.NewBatch()
	b.DelKey(1, "l")
	b.DelElems(1, "h", 0, 1) // no list there: harmless
	b.DelField(1, "h", "")
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	for _, l := range loadAll(t, s, 1000) {
		if strings.Contains(l, `"l"`) || strings.Contains(l, `v="2"`) {
			t.Fatalf("deleted record still there: %s", l)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestSwapAndFlushDB(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	b := s.NewBatch()
	b.PutString(0, "zero", 0, []byte("0"))
	b.PutString(1, "one", 0, []byte("1"))
	b.SetDBMap(0, 1)
	b.SetDBMap(1, 0)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openT(t, dir)
	defer s.Close()
	if m := s.DBMap(); m[0] != 1 || m[1] != 0 || m[2] != 2 {
		t.Fatalf("db map %v", m)
	}
	got := loadAll(t, s, 0)
	if len(got) != 2 || !strings.HasPrefix(got[0], `1 "zero"`) || !strings.HasPrefix(got[1], `0 "one"`) {
		t.Fatalf("after swap: %q", got)
	}
	b = s.NewBatch()
	b.FlushDB(1)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	if got := loadAll(t, s, 0); len(got) != 1 || !strings.Contains(got[0], "zero") {
		t.Fatalf("after flush of physical db 1: %q", got)
	}
}

func TestOpenRefusesNewerFormat(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir).Close()
	db, err := pebble.Open(filepath.Join(dir, "db"), &pebble.Options{Logger: quietPebble{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Set(keyFormat, appendUvarint(nil, FormatVersion+1), pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(dir, Options{Logger: quiet()})
	if !errors.Is(err, ErrNewerFormat) || !strings.Contains(err.Error(), "newer version") {
		t.Fatalf("Open of a newer format: %v", err)
	}
}

func TestOpenRefusesCorruptData(t *testing.T) {
	t.Run("undecodable record", func(t *testing.T) {
		dir := t.TempDir()
		openT(t, dir).Close()
		db, err := pebble.Open(filepath.Join(dir, "db"), &pebble.Options{Logger: quietPebble{}})
		if err != nil {
			t.Fatal(err)
		}
		k := appendMetaKey(nil, 0, "k")
		db.Set(k, []byte{77, 0}, pebble.Sync) // unknown type
		db.Close()
		s := openT(t, dir)
		defer s.Close()
		err = s.Load(0, func(*Record) error { return nil })
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Load of a bad record: %v", err)
		}
	})
	t.Run("element without its key", func(t *testing.T) {
		dir := t.TempDir()
		s := openT(t, dir)
		b := s.NewBatch()
		b.PutElem(0, "orphan", 0, []byte("x"))
		s.Commit(b)
		err := s.Load(0, func(*Record) error { return nil })
		s.Close()
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("Load of an orphan element: %v", err)
		}
	})
	t.Run("damaged sstable", func(t *testing.T) {
		dir := t.TempDir()
		s := openT(t, dir)
		b := s.NewBatch()
		for i := 0; i < 2000; i++ {
			b.PutString(0, fmt.Sprintf("key%05d", i), 0, []byte(strings.Repeat("v", 100)))
		}
		s.Commit(b)
		if err := s.db.Flush(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		ssts, _ := filepath.Glob(filepath.Join(dir, "db", "*.sst"))
		if len(ssts) == 0 {
			t.Fatal("no sstable")
		}
		data, _ := os.ReadFile(ssts[0])
		for i := 100; i < len(data)/2; i += 50 {
			data[i] ^= 0xff
		}
		os.WriteFile(ssts[0], data, 0o644)
		s, err := Open(dir, Options{Logger: quiet()})
		if err == nil {
			err = s.Load(0, func(*Record) error { return nil })
			s.Close()
		}
		if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "corrupt") {
			t.Fatalf("damaged sstable: %v", err)
		}
	})
	t.Run("damaged manifest", func(t *testing.T) {
		dir := t.TempDir()
		openT(t, dir).Close()
		ms, _ := filepath.Glob(filepath.Join(dir, "db", "MANIFEST-*"))
		if len(ms) == 0 {
			t.Fatal("no manifest")
		}
		data, _ := os.ReadFile(ms[len(ms)-1])
		for i := 8; i < len(data); i += 3 {
			data[i] ^= 0x5a
		}
		os.WriteFile(ms[len(ms)-1], data, 0o644)
		_, err := Open(dir, Options{Logger: quiet()})
		if err == nil || !strings.Contains(err.Error(), "corrupt") {
			t.Fatalf("damaged manifest: %v", err)
		}
	})
}

func TestOpenLocked(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	defer s.Close()
	_, err := Open(dir, Options{Logger: quiet()})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Open: %v", err)
	}
}

func TestCheckpointsAndExport(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	defer s.Close()
	b := s.NewBatch()
	b.PutString(0, "a", 0, []byte("1"))
	b.PutMeta(0, "h", KindHash, 0)
	b.PutField(0, "h", "f", []byte("v"))
	b.SetDBMap(0, 5)
	b.SetDBMap(5, 0)
	b.PutString(5, "in-db0", 0, []byte("x")) // physical 5 is now logical 0
	s.Commit(b)
	now := time.UnixMilli(1234)
	if _, err := s.Checkpoint("one", false, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Checkpoint("one", false, now); !errors.Is(err, ErrSnapshotExists) {
		t.Fatalf("second checkpoint of the same name: %v", err)
	}
	if _, err := s.Checkpoint("one", true, now); err != nil {
		t.Fatalf("replace: %v", err)
	}
	b = s.NewBatch()
	b.PutString(0, "after", 0, []byte("2"))
	s.Commit(b)
	var snap []string
	if err := s.LoadSnapshot("one", 0, func(r *Record) error {
		snap = append(snap, fmt.Sprintf("%d %s %s", r.DB, r.Key, r.Value))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(snap, ",") != "5 a 1,5 h ,5 h v,0 in-db0 x" {
		t.Fatalf("snapshot records: %q", snap)
	}
	infos, err := s.Snapshots()
	if err != nil || len(infos) != 1 || infos[0].Name != "one" || !infos[0].Created.Equal(now) || infos[0].Bytes == 0 {
		t.Fatalf("Snapshots: %+v, %v", infos, err)
	}
	path := filepath.Join(t.TempDir(), "out.rpz")
	n, err := s.Export(path, 0)
	if err != nil || n != 4 {
		t.Fatalf("Export: %d, %v", n, err)
	}
	var exp []string
	if err := ReadExport(path, 0, func(r *Record) error {
		exp = append(exp, fmt.Sprintf("%d %s %s", r.DB, r.Key, r.Value))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(exp, ",") != "5 a 1,5 h ,5 h v,5 after 2,0 in-db0 x" {
		t.Fatalf("export records: %q", exp)
	}
	// A truncated file is refused.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-5], 0o644)
	if err := ReadExport(path, 0, func(*Record) error { return nil }); err == nil {
		t.Fatal("truncated export accepted")
	}
	if err := s.DeleteSnapshot("one"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSnapshot("one"); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("second delete: %v", err)
	}
	if infos, _ := s.Snapshots(); len(infos) != 0 {
		t.Fatalf("after delete: %+v", infos)
	}
}

type quietPebble struct{}

func (quietPebble) Infof(string, ...any)  {}
func (quietPebble) Errorf(string, ...any) {}
func (quietPebble) Fatalf(f string, a ...any) {
	panic(fmt.Sprintf(f, a...))
}
