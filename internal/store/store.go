// Package store is RustyPotato's durable storage on Pebble: the record
// encoding (encoding.go), the fsync policies (walfs.go), batches, the
// restart scan, checkpoints and export files (snapshot.go). It knows
// nothing of transactions or commands: package potato translates its
// mutations into Batch calls.
package store

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Fsync is the WAL sync policy (Redis's appendfsync).
type Fsync uint8

// The policies; see walFS for how each is built.
const (
	FsyncEverySec Fsync = iota
	FsyncAlways
	FsyncNo
)

// Compression is the sstable block compression.
type Compression uint8

// The compressions.
const (
	CompressionSnappy Compression = iota
	CompressionNone
	CompressionZstd
)

// Options configures Open.
type Options struct {
	FS          vfs.FS // nil means the operating system's
	Fsync       Fsync
	Compression Compression
	Logger      *slog.Logger
	// MemTableSize is Pebble's memtable size; 0 means 32 MiB. Pebble
	// preallocates each WAL file to 110% of it and keeps up to three for
	// reuse, so it also bounds the WAL's disk footprint.
	MemTableSize uint64
}

// Errors of Open, wrapped with details.
var (
	ErrLocked      = errors.New("data directory is in use by another process (or another open store)")
	ErrNewerFormat = errors.New("data directory was written by a newer version")
)

// Store is an open data directory. Its methods are safe for concurrent
// use; Close must not run concurrently with the others.
type Store struct {
	dir    string
	fs     vfs.FS // the caller's filesystem (snapshots, checkpoints)
	wfs    *walFS
	db     *pebble.DB
	log    *slog.Logger
	fsync  atomic.Uint32
	stop   chan struct{}
	bg     sync.WaitGroup
	fatal  atomic.Pointer[error] // the WAL or the MANIFEST failed: cleared by recovery (recover.go)
	flushE atomic.Pointer[error] // cleared by the next successful flush
	failMu sync.Mutex            // serializes first-failure logging

	dbDir string
	po    *pebble.Options
	// dbMu guards swapping db (recover.go): held shared by users of db
	// that may run while the store is failed, exclusively by recovery.
	dbMu     sync.RWMutex
	dbClosed bool // db failed and was closed; recovery has not reopened it
	rec      recovery
}

// Open opens (creating if needed) the data directory dir: the Pebble
// database lives in dir/db, checkpoints in dir/snapshots. It refuses a
// directory in use by another process (ErrLocked), written by a newer
// format (ErrNewerFormat) or corrupt (ErrCorrupt).
func Open(dir string, o Options) (*Store, error) {
	if o.FS == nil {
		o.FS = vfs.Default
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler) // the library is silent unless given a logger
	}
	if o.MemTableSize == 0 {
		o.MemTableSize = 32 << 20
	}
	s := &Store{dir: dir, fs: o.FS, log: o.Logger, stop: make(chan struct{})}
	s.rec.stuck = make(chan error, 1)
	if err := mkdirAllSynced(o.FS, dir); err != nil {
		return nil, err
	}
	dbDir := filepath.Join(dir, "db")
	s.dbDir = dbDir
	s.wfs = newWALFS(o.FS, dbDir, s.fail)
	s.wfs.beforeCreate = s.createBackoff
	s.SetFsync(o.Fsync)
	s.cleanSnapshots()

	po := &pebble.Options{
		FS:                 s.wfs,
		Logger:             pebbleLogger{s},
		FormatMajorVersion: pebble.FormatNewest,
		MemTableSize:       o.MemTableSize,
		EventListener: &pebble.EventListener{
			BackgroundError: func(err error) {
				s.logBackground(err)
				s.noteNoSpace(err)
			},
			FlushEnd: func(fi pebble.FlushInfo) {
				// An empty flush is not a failure (Pebble's
				// errEmptyTable is unexported: match its text).
				if fi.Err != nil && fi.Err.Error() != "pebble: empty table" {
					// Pebble retries; meanwhile writes would pile up in
					// memtables until they stall. Refuse them instead.
					err := fi.Err
					s.flushE.Store(&err)
					return
				}
				s.flushE.Store(nil)
				s.flushed()
			},
			WriteStallBegin: func(wi pebble.WriteStallBeginInfo) {
				s.log.Warn("storage write stall", "reason", wi.Reason)
			},
		},
	}
	var prof *sstable.CompressionProfile
	switch o.Compression {
	case CompressionNone:
		prof = sstable.NoCompression
	case CompressionZstd:
		prof = sstable.ZstdCompression
	default:
		prof = sstable.SnappyCompression
	}
	po.ApplyCompressionSettings(func() pebble.DBCompressionSettings {
		return pebble.UniformDBCompressionSettings(prof)
	})
	s.po = po
	db, err := s.openPebble()
	if err != nil {
		if errors.Is(err, ErrNoSpace) {
			return nil, err
		}
		return nil, openError(dir, err)
	}
	s.db = db
	if err := s.initFormat(); err != nil {
		_ = db.Close()
		return nil, err
	}
	s.bg.Add(1)
	go s.syncLoop()
	return s, nil
}

func openError(dir string, err error) error {
	switch {
	case errors.Is(err, syscall.EWOULDBLOCK), errors.Is(err, syscall.EAGAIN),
		strings.Contains(err.Error(), "lock held by current process"):
		return fmt.Errorf("%w: %s (%v)", ErrLocked, dir, err)
	case pebble.IsCorruptionError(err):
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, dir, err)
	}
	return fmt.Errorf("open data directory %s: %w", dir, err)
}

// initFormat checks the format version, migrates an older one, or writes
// the first records of a new directory: the main branch over spaces 0..15.
func (s *Store) initFormat() error {
	v, ok, err := s.get(s.db, keyFormat)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, s.dir, err)
	}
	if !ok {
		if has, err := s.hasData(); err != nil || has {
			if err == nil {
				err = corrupt("records without a format version")
			}
			return fmt.Errorf("%s: %w", s.dir, err)
		}
		var tops [NumDBs]int
		for i := range tops {
			tops[i] = i
		}
		b := s.db.NewBatch()
		writeV2Start(b, tops)
		if err := b.Commit(pebble.Sync); err != nil {
			return err
		}
		// A new directory: make its first records durable whatever the
		// policy, so a crash cannot leave data without a format version.
		return s.SyncWAL()
	}
	ver, w := uvarint(v)
	if w <= 0 || len(v) != w {
		return fmt.Errorf("%w: %s: unreadable format version %q", ErrCorrupt, s.dir, v)
	}
	if ver > FormatVersion {
		return fmt.Errorf("%w: %s has format version %d, this build reads up to %d", ErrNewerFormat, s.dir, ver, FormatVersion)
	}
	if ver == 1 {
		if err := s.migrateV1(); err != nil {
			return fmt.Errorf("%s: migrating format 1 to 2: %w", s.dir, err)
		}
	}
	if _, err := readLayout(s.db); err != nil {
		return fmt.Errorf("%s: %w", s.dir, err)
	}
	return nil
}

// writeV2Start writes, into b, the records of a version 2 directory whose
// main branch's databases are the bottom spaces tops.
func writeV2Start(b *pebble.Batch, tops [NumDBs]int) {
	br := BranchRecord{Name: "main"}
	for i, t := range tops {
		br.Tops[i] = uint64(t)
		_ = b.Set(keySpace(uint64(i)), appendUvarint(nil, 0), nil)
	}
	_ = b.Set(keyBranch(br.Name), br.encode(), nil)
	_ = b.Set(keyFormat, appendUvarint(nil, FormatVersion), nil)
}

// migrateV1 turns a version 1 directory into version 2 in one atomic
// batch, without touching its data records: version 1's physical
// databases become the spaces of the same numbers (their record keys are
// the same), its logical -> physical map becomes the main branch.
func (s *Store) migrateV1() error {
	m, err := readDBMap(func(k []byte) ([]byte, bool, error) { return s.get(s.db, k) })
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	defer b.Close()
	writeV2Start(b, m)
	for i := 0; i < NumDBs; i++ {
		_ = b.Delete(keyDBMap(i), nil)
		// Version 1's key count hints were per logical database.
		_ = b.Delete(keyCountHint(uint64(i)), nil)
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return err
	}
	s.log.Info("data directory migrated to format 2 (branches)", "dir", s.dir)
	return s.SyncWAL()
}

func (s *Store) get(r pebble.Reader, k []byte) ([]byte, bool, error) {
	v, cl, err := r.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	out := append([]byte(nil), v...)
	return out, true, cl.Close()
}

func (s *Store) hasData() (bool, error) {
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: []byte{prefixData}, UpperBound: []byte{prefixData + 1}})
	if err != nil {
		return false, err
	}
	has := it.First()
	return has, it.Close()
}

// readDBMap reads and checks version 1's logical -> physical database map.
func readDBMap(get func([]byte) ([]byte, bool, error)) ([NumDBs]int, error) {
	var m [NumDBs]int
	var seen [NumDBs]bool
	for i := range m {
		v, ok, err := get(keyDBMap(i))
		if err != nil {
			return m, err
		}
		if !ok || len(v) != 1 || v[0] >= NumDBs || seen[v[0]] {
			return m, corrupt("bad database map entry for db %d", i)
		}
		seen[v[0]] = true
		m[i] = int(v[0])
	}
	return m, nil
}

// SetFsync changes the fsync policy; it takes effect for the next commit.
func (s *Store) SetFsync(f Fsync) {
	s.fsync.Store(uint32(f))
	s.wfs.always.Store(f == FsyncAlways)
}

// Fsync returns the current policy.
func (s *Store) Fsync() Fsync { return Fsync(s.fsync.Load()) }

// syncLoop fdatasyncs the WAL once a second under FsyncEverySec.
func (s *Store) syncLoop() {
	defer s.bg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		if s.Fsync() == FsyncEverySec {
			_ = s.wfs.syncDirty()
		}
	}
}

// SyncWAL makes every committed batch durable now, whatever the policy.
func (s *Store) SyncWAL() error {
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	if err := s.Err(); err != nil {
		return err
	}
	if err := s.db.LogData(nil, pebble.Sync); err != nil {
		return err
	}
	return s.wfs.syncDirty()
}

// WALSyncs returns the number of real WAL syncs done so far.
func (s *Store) WALSyncs() int64 { return s.wfs.syncs.Load() }

// fail records a storage failure: from now on Err reports it and Commit
// refuses batches, until recovery (recover.go) succeeds. Only the first
// failure is kept.
func (s *Store) fail(err error) {
	s.rec.failures.Add(1)
	if s.fatal.CompareAndSwap(nil, &err) {
		s.log.Error("storage failed: refusing writes, retrying in the background", "err", err.Error())
		s.startRecovery()
	}
}

// Err returns the failure that makes the store refuse writes, or nil.
func (s *Store) Err() error {
	if p := s.fatal.Load(); p != nil {
		return *p
	}
	if p := s.flushE.Load(); p != nil {
		return *p
	}
	return nil
}

// Commit writes b durably per the fsync policy and closes it. It returns
// an error, and the batch must be considered not written, when the store
// has failed or fails while committing it.
func (s *Store) Commit(b *Batch) error {
	defer b.close()
	if err := s.Err(); err != nil {
		return err
	}
	if b.b.Empty() {
		return nil
	}
	s.dbMu.RLock()
	defer s.dbMu.RUnlock()
	if err := s.Err(); err != nil {
		return err
	}
	if b.db != s.db {
		// Built on the Pebble that recovery replaced.
		nb := s.db.NewBatch()
		if err := nb.Apply(b.b, nil); err != nil {
			_ = nb.Close()
			return err
		}
		_ = b.b.Close()
		b.b, b.db = nb, s.db
	}
	if err := b.b.Commit(pebble.Sync); err != nil {
		s.fail(err)
		return err
	}
	// Pebble reports a failed WAL write or sync through Logger.Fatalf
	// (which fails the store) and then returns nil: look again.
	if p := s.fatal.Load(); p != nil {
		return *p
	}
	return nil
}

// Close stops the background sync and closes Pebble, which syncs the WAL.
func (s *Store) Close() (err error) {
	s.stopRecovery()
	close(s.stop)
	s.bg.Wait()
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if s.dbClosed {
		return s.Err()
	}
	defer func() {
		// A Pebble whose WAL failed may panic while closing; the process
		// must still be able to report it and exit.
		if r := recover(); r != nil {
			err = fmt.Errorf("closing storage: %v", r)
		}
	}()
	if s.Err() == nil {
		// Flush the memtable so that the next Open has no WAL to replay:
		// a clean restart only scans sstables.
		if ferr := s.db.Flush(); ferr != nil {
			s.log.Warn("flush at close failed", "err", ferr)
		}
	}
	return s.db.Close()
}

// pebbleLogger routes Pebble's log lines to slog. Fatalf does not exit:
// it fails the store, which then refuses writes while reads go on.
type pebbleLogger struct{ s *Store }

func (l pebbleLogger) Infof(format string, args ...any) {
	l.s.log.Debug("pebble: " + fmt.Sprintf(format, args...))
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	l.s.log.Error("pebble: " + fmt.Sprintf(format, args...))
}

func (l pebbleLogger) Fatalf(format string, args ...any) {
	l.s.fail(errors.New(fmt.Sprintf(format, args...)))
}

// mkdirAllSynced creates dir and its missing parents and syncs the
// directory holding each new one, so a new data directory survives a
// crash right after Open.
func mkdirAllSynced(fs vfs.FS, dir string) error {
	var created []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := fs.Stat(d); err == nil {
			break
		}
		created = append(created, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := fs.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, d := range created {
		parent, err := fs.OpenDir(filepath.Dir(d))
		if err != nil {
			return err
		}
		err = parent.Sync()
		if cerr := parent.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
