package store

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/klauspost/compress/zstd"
)

// Snapshot errors.
var (
	ErrSnapshotExists = errors.New("snapshot already exists")
	ErrNoSnapshot     = errors.New("no such snapshot")
)

// SnapshotInfo describes one named snapshot.
type SnapshotInfo struct {
	Name    string
	Created time.Time
	Bytes   int64 // size of its files (shared with the live data by hard links)
}

const (
	snapshotsDir = "snapshots"
	snapshotMeta = "SNAPSHOT"
)

type snapshotMetaFile struct {
	CreatedMs int64 `json:"created_ms"`
	Format    int   `json:"format"`
}

func (s *Store) snapPath(name string) string {
	return filepath.Join(s.dir, snapshotsDir, name)
}

// cleanSnapshots removes what an interrupted snapshot operation left
// (.tmp-*, .del-*) and puts back a snapshot whose replacement did not
// complete (.old-NAME-* when NAME is missing).
func (s *Store) cleanSnapshots() {
	dir := filepath.Join(s.dir, snapshotsDir)
	names, err := s.fs.List(dir)
	if err != nil {
		return
	}
	sort.Strings(names)
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, ".tmp-"), strings.HasPrefix(n, ".del-"):
			_ = s.fs.RemoveAll(filepath.Join(dir, n))
		case strings.HasPrefix(n, ".old-"):
			orig := strings.TrimPrefix(n, ".old-")
			if i := strings.LastIndexByte(orig, '-'); i > 0 {
				orig = orig[:i]
			}
			if _, err := s.fs.Stat(filepath.Join(dir, orig)); err != nil {
				_ = s.fs.Rename(filepath.Join(dir, n), filepath.Join(dir, orig))
			} else {
				_ = s.fs.RemoveAll(filepath.Join(dir, n))
			}
		}
	}
}

func (s *Store) syncDir(dir string) error {
	d, err := s.fs.OpenDir(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	return errors.Join(err, d.Close())
}

// Checkpoint creates snapshot name, a Pebble checkpoint of the current
// data (hard links to the immutable sstables plus a copy of the WAL and
// MANIFEST: instant and consistent). With replace an existing snapshot of
// that name is replaced atomically; without, it is ErrSnapshotExists.
func (s *Store) Checkpoint(name string, replace bool, now time.Time) (SnapshotInfo, error) {
	dir := filepath.Join(s.dir, snapshotsDir)
	dest := s.snapPath(name)
	if _, err := s.fs.Stat(dest); err == nil && !replace {
		return SnapshotInfo{}, fmt.Errorf("%w: %s", ErrSnapshotExists, name)
	}
	if err := mkdirAllSynced(s.fs, dir); err != nil {
		return SnapshotInfo{}, err
	}
	stamp := fmt.Sprint(time.Now().UnixNano())
	tmp := filepath.Join(dir, ".tmp-"+name+"-"+stamp)
	s.dbMu.RLock()
	if s.dbClosed {
		s.dbMu.RUnlock()
		return SnapshotInfo{}, s.Err()
	}
	err := s.db.Checkpoint(tmp, pebble.WithFlushedWAL())
	s.dbMu.RUnlock()
	if err != nil {
		_ = s.fs.RemoveAll(tmp)
		return SnapshotInfo{}, err
	}
	meta, _ := json.Marshal(snapshotMetaFile{CreatedMs: now.UnixMilli(), Format: FormatVersion})
	if err := s.writeFileSync(filepath.Join(tmp, snapshotMeta), meta); err != nil {
		_ = s.fs.RemoveAll(tmp)
		return SnapshotInfo{}, err
	}
	if err := s.syncDir(tmp); err != nil {
		_ = s.fs.RemoveAll(tmp)
		return SnapshotInfo{}, err
	}
	var old string
	if _, err := s.fs.Stat(dest); err == nil {
		if !replace {
			_ = s.fs.RemoveAll(tmp)
			return SnapshotInfo{}, fmt.Errorf("%w: %s", ErrSnapshotExists, name)
		}
		old = filepath.Join(dir, ".old-"+name+"-"+stamp)
		if err := s.fs.Rename(dest, old); err != nil {
			_ = s.fs.RemoveAll(tmp)
			return SnapshotInfo{}, err
		}
	}
	if err := s.fs.Rename(tmp, dest); err != nil {
		_ = s.fs.RemoveAll(tmp)
		return SnapshotInfo{}, err
	}
	if err := s.syncDir(dir); err != nil {
		return SnapshotInfo{}, err
	}
	if old != "" {
		_ = s.fs.RemoveAll(old)
	}
	return s.snapshotInfo(name)
}

func (s *Store) writeFileSync(path string, data []byte) error {
	f, err := s.fs.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func (s *Store) snapshotInfo(name string) (SnapshotInfo, error) {
	dest := s.snapPath(name)
	f, err := s.fs.Open(filepath.Join(dest, snapshotMeta))
	if err != nil {
		if _, serr := s.fs.Stat(dest); serr != nil {
			return SnapshotInfo{}, fmt.Errorf("%w: %s", ErrNoSnapshot, name)
		}
		return SnapshotInfo{}, err
	}
	data, err := io.ReadAll(f)
	_ = f.Close()
	if err != nil {
		return SnapshotInfo{}, err
	}
	var m snapshotMetaFile
	if err := json.Unmarshal(data, &m); err != nil {
		return SnapshotInfo{}, corrupt("snapshot %s: %v", name, err)
	}
	info := SnapshotInfo{Name: name, Created: time.UnixMilli(m.CreatedMs)}
	files, _ := s.fs.List(dest)
	for _, fn := range files {
		if st, err := s.fs.Stat(filepath.Join(dest, fn)); err == nil && !st.IsDir() {
			info.Bytes += st.Size()
		}
	}
	return info, nil
}

// Snapshots lists the named snapshots, oldest first.
func (s *Store) Snapshots() ([]SnapshotInfo, error) {
	names, err := s.fs.List(filepath.Join(s.dir, snapshotsDir))
	if err != nil {
		if os.IsNotExist(err) || errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var out []SnapshotInfo
	for _, n := range names {
		if strings.HasPrefix(n, ".") {
			continue
		}
		info, err := s.snapshotInfo(n)
		if err != nil {
			continue // not a snapshot (or half-written): skip it
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.Before(out[j].Created)
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// DeleteSnapshot removes snapshot name.
func (s *Store) DeleteSnapshot(name string) error {
	dest := s.snapPath(name)
	if _, err := s.fs.Stat(dest); err != nil {
		return fmt.Errorf("%w: %s", ErrNoSnapshot, name)
	}
	dir := filepath.Join(s.dir, snapshotsDir)
	del := filepath.Join(dir, fmt.Sprintf(".del-%s-%d", name, time.Now().UnixNano()))
	if err := s.fs.Rename(dest, del); err != nil {
		return err
	}
	if err := s.syncDir(dir); err != nil {
		return err
	}
	return s.fs.RemoveAll(del)
}

// OpenSnapshot opens snapshot name read-only, for reading like the live
// data. Close the Reader when done.
func (s *Store) OpenSnapshot(name string) (*Reader, error) {
	dest := s.snapPath(name)
	if _, err := s.fs.Stat(filepath.Join(dest, snapshotMeta)); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrNoSnapshot, name)
	}
	db, err := pebble.Open(dest, &pebble.Options{FS: s.fs, ReadOnly: true, Logger: pebbleLogger{s}})
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", name, openError(dest, err))
	}
	v, ok, err := s.get(db, keyFormat)
	if err != nil || !ok {
		db.Close()
		return nil, corrupt("snapshot %s has no format version", name)
	}
	switch ver, _ := binary.Uvarint(v); {
	case ver > FormatVersion:
		db.Close()
		return nil, fmt.Errorf("%w: snapshot %s has format version %d", ErrNewerFormat, name, ver)
	case ver == 1:
		// A snapshot taken before the migration to branches: read it as
		// it would be after one (its data records are the same).
		m, err := readDBMap(func(k []byte) ([]byte, bool, error) { return s.get(db, k) })
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("snapshot %s: %w", name, err)
		}
		l := Layout{Spaces: map[uint64]SpaceRecord{}}
		br := BranchRecord{Name: "main"}
		for i, p := range m {
			br.Tops[i] = uint64(p)
			l.Spaces[uint64(i)] = SpaceRecord{}
		}
		l.Branches = []BranchRecord{br}
		return &Reader{r: db, close: db.Close, layout: &l}, nil
	}
	return &Reader{r: db, close: db.Close}, nil
}

// exportMagic starts an export file; the format version follows it.
const exportMagic = "RPOTATO\x00"

// maxExportLen bounds one key or value length read from an export file.
const maxExportLen = 1 << 31

// ExportFormat is the version of the export file format: one flat set of
// records per logical database (no branches, no layers).
const ExportFormat = 1

// WriteExport writes the records that emit passes to put, one key after
// the other (meta record first, Space the logical database, no overlays
// or tombstones), as one zstd-compressed file at path: written to a
// temporary file in the same directory, fsynced, renamed over path, and
// the directory fsynced, so path holds either the old file or the whole
// new one. It returns the number of keys written.
func WriteExport(path string, emit func(put func(*Record) error) error) (keys int64, err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return 0, err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, err := zstd.NewWriter(bw, zstd.WithEncoderLevel(zstd.SpeedDefault))
	if err != nil {
		return 0, err
	}
	hdr := append([]byte(exportMagic), appendUvarint(nil, ExportFormat)...)
	if _, err := zw.Write(hdr); err != nil {
		return 0, err
	}
	var kbuf, rbuf []byte
	var records uint64
	put := func(r *Record) error {
		switch r.Tag {
		case tagMeta:
			keys++
			kbuf = appendMetaKey(kbuf[:0], r.Space, string(r.Key))
		case tagField:
			kbuf = appendFieldKey(kbuf[:0], r.Space, string(r.Key), string(r.Field))
		case tagElem:
			kbuf = appendElemKey(kbuf[:0], r.Space, string(r.Key), r.Pos)
		default:
			return fmt.Errorf("export: record tag %d", r.Tag)
		}
		rbuf = appendUvarint(rbuf[:0], uint64(len(kbuf)))
		rbuf = append(rbuf, kbuf...)
		if r.Tag == tagMeta {
			v := appendMeta(nil, r.Kind, r.Deadline)
			rbuf = appendUvarint(rbuf, uint64(len(v)+len(r.Value)))
			rbuf = append(append(rbuf, v...), r.Value...)
		} else {
			rbuf = appendUvarint(rbuf, uint64(len(r.Value)))
			rbuf = append(rbuf, r.Value...)
		}
		records++
		_, err := zw.Write(rbuf)
		return err
	}
	if err := emit(put); err != nil {
		return 0, err
	}
	trailer := appendUvarint(appendUvarint(nil, 0), records)
	if _, err := zw.Write(trailer); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	if err := bw.Flush(); err != nil {
		return 0, err
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return 0, err
	}
	d, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer d.Close()
	return keys, d.Sync()
}

// ReadExport reads an export file written by WriteExport and calls fn
// for every record of every key live at now (Record.DB and Space are the
// logical database). It returns an
// error (and fn has then seen only part of the data) if the file is
// truncated, corrupt or of a newer format.
func ReadExport(path string, now int64, fn func(*Record) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := zstd.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return err
	}
	defer zr.Close()
	br := bufio.NewReaderSize(zr, 1<<16)
	magic := make([]byte, len(exportMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != exportMagic {
		return corrupt("%s is not a RustyPotato export file", path)
	}
	ver, err := binary.ReadUvarint(br)
	if err != nil {
		return corrupt("%s: %v", path, err)
	}
	if ver > ExportFormat {
		return fmt.Errorf("%w: %s has format version %d, this build reads up to %d", ErrNewerFormat, path, ver, ExportFormat)
	}
	skip := false
	sc := &scanner{fn: func(r *Record) error {
		if r.Tag == tagMeta {
			skip = r.Deadline != 0 && r.Deadline <= now
		}
		if skip {
			return nil
		}
		if r.Space >= NumDBs || r.Tag == tagFieldDel || r.Tag == tagMeta && (r.Overlay || r.Kind == KindTombstone) {
			return corrupt("%s: record of database %d, not a flat export", path, r.Space)
		}
		return fn(r)
	}}
	var k, v []byte
	var records uint64
	readLen := func() (int, error) {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			return 0, corrupt("%s is truncated", path)
		}
		if n > maxExportLen {
			return 0, corrupt("%s: record length %d", path, n)
		}
		return int(n), nil
	}
	for {
		kl, err := readLen()
		if err != nil {
			return err
		}
		if kl == 0 {
			n, err := binary.ReadUvarint(br)
			if err != nil || n != records {
				return corrupt("%s: bad trailer (%d records read)", path, records)
			}
			return nil
		}
		k = grow(k, kl)
		if _, err := io.ReadFull(br, k); err != nil {
			return corrupt("%s is truncated", path)
		}
		vl, err := readLen()
		if err != nil {
			return err
		}
		v = grow(v, vl)
		if _, err := io.ReadFull(br, v); err != nil {
			return corrupt("%s is truncated", path)
		}
		if err := sc.add(k, v); err != nil {
			return err
		}
		records++
	}
}

func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}
