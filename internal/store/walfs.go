package store

import (
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// walFS wraps the filesystem Pebble uses so that the fsync policy is ours.
//
// Every commit is a pebble.Sync commit, so Pebble's commit pipeline makes
// the committer wait until its WAL record has been handed to the
// operating system by write(2) (record.LogWriter's flush loop writes, then
// calls Sync, then releases the waiters). What that Sync does is decided
// here, for the live WAL files only:
//
//   - FsyncAlways: a real fdatasync. Concurrent committers queued behind
//     one flush share it (group commit).
//   - FsyncEverySec, FsyncNo: nothing; the file is marked dirty. The write
//     already reached the kernel, so a killed process loses no
//     acknowledged write. For everysec a background goroutine fdatasyncs
//     dirty WAL files once a second (syncDirty); for no the kernel decides.
//
// Closing a WAL file (Pebble rotates to a new one when a memtable fills)
// always syncs it for real first, so after a power loss the older WAL is
// complete and only the tail of the newest can be missing: Pebble's
// recovery needs exactly that. Sstables, the MANIFEST and directories are
// never touched: their syncs are real in every mode.
type walFS struct {
	vfs.FS
	dir    string      // the live Pebble directory; only its *.log files are WALs
	always atomic.Bool // current policy is FsyncAlways
	onErr  func(error) // reports a failed write or sync (the store fails)
	mu     sync.Mutex  // guards open
	open   map[*walFile]struct{}
	syncs  atomic.Int64 // real WAL syncs done (for tests and INFO)
	// beforeCreate, if set, runs before a file other than a WAL is
	// created: it waits while the disk is full (recover.go).
	beforeCreate func()
}

func newWALFS(fs vfs.FS, dir string, onErr func(error)) *walFS {
	return &walFS{FS: fs, dir: filepath.Clean(dir), onErr: onErr, open: map[*walFile]struct{}{}}
}

func (fs *walFS) isWAL(name string) bool {
	return strings.HasSuffix(name, ".log") && filepath.Dir(filepath.Clean(name)) == fs.dir
}

func (fs *walFS) wrap(name string, f vfs.File, err error) (vfs.File, error) {
	if err != nil || !fs.isWAL(name) {
		return f, err
	}
	w := &walFile{File: f, fs: fs}
	fs.mu.Lock()
	fs.open[w] = struct{}{}
	fs.mu.Unlock()
	return w, nil
}

func (fs *walFS) Create(name string, category vfs.DiskWriteCategory) (vfs.File, error) {
	if fs.beforeCreate != nil && strings.HasSuffix(name, ".sst") {
		fs.beforeCreate()
	}
	f, err := fs.FS.Create(name, category)
	return fs.wrap(name, f, err)
}

func (fs *walFS) ReuseForWrite(oldname, newname string, category vfs.DiskWriteCategory) (vfs.File, error) {
	f, err := fs.FS.ReuseForWrite(oldname, newname, category)
	return fs.wrap(newname, f, err)
}

// syncDirty fdatasyncs every open WAL file written since its last sync.
func (fs *walFS) syncDirty() error {
	fs.mu.Lock()
	files := make([]*walFile, 0, len(fs.open))
	for f := range fs.open {
		files = append(files, f)
	}
	fs.mu.Unlock()
	var first error
	for _, f := range files {
		if err := f.realSync(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// walFile is one live WAL file; see walFS.
type walFile struct {
	vfs.File
	fs     *walFS
	dirty  atomic.Bool
	mu     sync.Mutex // serializes real syncs with Close
	closed bool
}

func (f *walFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	if n > 0 {
		f.dirty.Store(true)
	}
	if err != nil {
		f.fs.onErr(err)
	}
	return n, err
}

func (f *walFile) Sync() error { return f.policySync() }

func (f *walFile) SyncData() error { return f.policySync() }

func (f *walFile) policySync() error {
	if !f.fs.always.Load() {
		return nil
	}
	return f.realSync()
}

// realSync fdatasyncs the file if it was written since the last sync.
func (f *walFile) realSync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed || !f.dirty.Swap(false) {
		return nil
	}
	if err := f.File.SyncData(); err != nil {
		f.dirty.Store(true)
		f.fs.onErr(err)
		return err
	}
	f.fs.syncs.Add(1)
	return nil
}

// Close syncs for real before closing, whatever the policy (see walFS).
// A failed sync is reported to the store, which then refuses writes, and
// not to Pebble, which would panic on it while rotating its WAL.
func (f *walFile) Close() error {
	_ = f.realSync()
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.fs.mu.Lock()
	delete(f.fs.open, f)
	f.fs.mu.Unlock()
	return f.File.Close()
}
