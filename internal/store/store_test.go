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

// loadAll returns every record of spaces 0..15 of s rendered one per line.
func loadAll(t *testing.T, s *Store, _ int64) []string {
	t.Helper()
	var out []string
	for sp := uint64(0); sp < NumDBs; sp++ {
		err := s.Reader().ScanSpace(sp, func(r *Record) error {
			out = append(out, fmt.Sprintf("%d %q tag=%d kind=%d dl=%d f=%q pos=%d v=%q", r.Space, r.Key, r.Tag, r.Kind, r.Deadline, r.Field, r.Pos, r.Value))
			return nil
		})
		if err != nil {
			t.Fatalf("ScanSpace: %v", err)
		}
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
		`3 "expired" tag=0 kind=1 dl=999 f="" pos=0 v="x"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
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

// TestLayoutAndSpaces: branch and space records round-trip, a space is
// dropped with one range deletion, and overlays and tombstones decode.
func TestLayoutAndSpaces(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	lay, err := s.Reader().Layout()
	if err != nil || len(lay.Branches) != 1 || lay.Branches[0].Name != "main" || len(lay.Spaces) != NumDBs {
		t.Fatalf("new directory layout: %+v, %v", lay, err)
	}
	b := s.NewBatch()
	b.PutSpace(300, 0, true)
	br := BranchRecord{Name: "dev/x", ID: 7, Parent: "main", ForkSeq: 42, CreatedMs: -5, Seq: 99}
	for i := range br.Tops {
		br.Tops[i] = uint64(i)
	}
	br.Tops[0] = 300
	b.PutBranch(&br)
	b.PutString(300, "s", 0, []byte("child"))
	b.PutTombstone(300, "gone")
	b.PutOverlayMeta(300, "h", 7)
	b.PutOverlayField(300, "h", "f", []byte("v"))
	b.PutFieldDel(300, "h", "old")
	b.PutOverlayListMeta(300, "l", 0, -3, 5)
	b.PutElem(300, "l", -3, []byte("x"))
	b.PutElem(300, "l", 9, []byte("left behind")) // outside the range: skipped
	b.PutString(301, "other", 0, []byte("o"))     // a space of its own
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openT(t, dir)
	defer s.Close()
	lay, err = s.Reader().Layout()
	if err != nil || len(lay.Branches) != 2 || lay.Spaces[300] != (SpaceRecord{Parent: 0, HasParent: true}) {
		t.Fatalf("layout: %+v, %v", lay, err)
	}
	for _, got := range lay.Branches {
		if got.Name == br.Name && got != br {
			t.Fatalf("branch record %+v; wrote %+v", got, br)
		}
	}
	var recs []string
	if err := s.Reader().ScanSpace(300, func(r *Record) error {
		recs = append(recs, fmt.Sprintf("%s tag=%d kind=%d ovl=%v dl=%d base=%d len=%d f=%s pos=%d v=%s",
			r.Key, r.Tag, r.Kind, r.Overlay, r.Deadline, r.Base, r.Len, r.Field, r.Pos, r.Value))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"h tag=0 kind=2 ovl=true dl=7 base=0 len=0 f= pos=0 v=",
		"h tag=1 kind=0 ovl=false dl=0 base=0 len=0 f=f pos=0 v=v",
		"h tag=3 kind=0 ovl=false dl=0 base=0 len=0 f=old pos=0 v=",
		"l tag=0 kind=3 ovl=true dl=0 base=-3 len=5 f= pos=0 v=",
		"l tag=2 kind=0 ovl=false dl=0 base=0 len=0 f= pos=-3 v=x",
		"s tag=0 kind=1 ovl=false dl=0 base=0 len=0 f= pos=0 v=child",
		"gone tag=0 kind=0 ovl=false dl=0 base=0 len=0 f= pos=0 v=",
	}
	if strings.Join(recs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("space 300:\n%s\nwant:\n%s", strings.Join(recs, "\n"), strings.Join(want, "\n"))
	}
	b = s.NewBatch()
	b.DropSpace(300)
	if err := s.Commit(b); err != nil {
		t.Fatal(err)
	}
	n := 0
	s.Reader().ScanSpace(300, func(*Record) error { n++; return nil })
	m := 0
	s.Reader().ScanSpace(301, func(*Record) error { m++; return nil })
	if n != 0 || m != 1 {
		t.Fatalf("after DropSpace(300): %d records left in it, %d in 301", n, m)
	}
	if _, err := s.Reader().Layout(); err == nil {
		t.Fatal("a branch on a dropped space passed the layout check")
	}
}

// TestMigrateV1 opens a directory written in format 1 (no branches, a
// logical -> physical database map, here with databases 0 and 1
// swapped): it becomes format 2 with the same data, the map as main's
// tops.
func TestMigrateV1(t *testing.T) {
	dir := t.TempDir()
	db, err := pebble.Open(filepath.Join(dir, "db"), &pebble.Options{Logger: quietPebble{}})
	if err != nil {
		t.Fatal(err)
	}
	db.Set(keyFormat, appendUvarint(nil, 1), nil)
	for i := 0; i < NumDBs; i++ {
		p := i
		switch i {
		case 0:
			p = 1
		case 1:
			p = 0
		}
		db.Set(keyDBMap(i), []byte{byte(p)}, nil)
	}
	// Version 1 record keys: 0x01 <physical db byte> ... (= space p).
	db.Set(appendMetaKey(nil, 1, "in-logical-0"), appendMeta(nil, KindString, 0), nil)
	db.Set(appendMetaKey(nil, 0, "in-logical-1"), append(appendMeta(nil, KindString, 0), 'v'), nil)
	db.Close()
	s := openT(t, dir)
	lay, err := s.Reader().Layout()
	if err != nil || len(lay.Branches) != 1 || lay.Branches[0].Tops[0] != 1 || lay.Branches[0].Tops[1] != 0 || lay.Branches[0].Tops[2] != 2 {
		t.Fatalf("migrated layout: %+v, %v", lay, err)
	}
	got := loadAll(t, s, 0)
	if len(got) != 2 || !strings.Contains(got[0], "in-logical-1") || !strings.Contains(got[1], "in-logical-0") {
		t.Fatalf("migrated records: %q", got)
	}
	s.Close()
	// Idempotent: the second open finds format 2.
	s = openT(t, dir)
	if v, _, _ := s.get(s.db, keyFormat); len(v) != 1 || v[0] != FormatVersion {
		t.Fatalf("format after migration: %v", v)
	}
	if _, ok, _ := s.get(s.db, keyDBMap(0)); ok {
		t.Fatal("version 1 database map left behind")
	}
	s.Close()
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
		err = s.Reader().ScanSpace(0, func(*Record) error { return nil })
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
		err := s.Reader().ScanSpace(0, func(*Record) error { return nil })
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
			err = s.Reader().ScanSpace(0, func(*Record) error { return nil })
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
	b.PutString(5, "in-db5", 0, []byte("x"))
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
	rd, err := s.OpenSnapshot("one")
	if err != nil {
		t.Fatal(err)
	}
	for _, sp := range []uint64{0, 5} {
		if err := rd.ScanSpace(sp, func(r *Record) error {
			snap = append(snap, fmt.Sprintf("%d %s %s", r.Space, r.Key, r.Value))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	rd.Close()
	if strings.Join(snap, ",") != "0 a 1,0 h ,0 h v,5 in-db5 x" {
		t.Fatalf("snapshot records: %q", snap)
	}
	infos, err := s.Snapshots()
	if err != nil || len(infos) != 1 || infos[0].Name != "one" || !infos[0].Created.Equal(now) || infos[0].Bytes == 0 {
		t.Fatalf("Snapshots: %+v, %v", infos, err)
	}
	path := filepath.Join(t.TempDir(), "out.rpz")
	n, err := WriteExport(path, func(put func(*Record) error) error {
		for _, sp := range []uint64{0, 5} {
			if err := s.Reader().ScanSpace(sp, put); err != nil {
				return err
			}
		}
		return nil
	})
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
	if strings.Join(exp, ",") != "0 a 1,0 h ,0 h v,0 after 2,5 in-db5 x" {
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
