package potato

import (
	"errors"
	"fmt"
	"time"

	"rustypotato/internal/keyspace"
	"rustypotato/internal/store"
)

// errBGSaveRunning is Redis's reply to a SAVE or BGSAVE while one runs.
var errBGSaveRunning = fmt.Errorf("%w: ERR Background save already in progress", ErrInvalidArgument)

// dumpSnapshot is the snapshot SAVE and BGSAVE write (Redis's dump.rdb).
const dumpSnapshot = "dump"

// persister returns the store's persister, or errNoDir for an
// in-memory store.
func (c *core) persister() (*persister, error) {
	if c.closed.Load() {
		return nil, ErrClosed
	}
	p, ok := c.durable.(*persister)
	if !ok {
		return nil, errNoDir
	}
	return p, nil
}

func checkSnapshotName(name string) error {
	ok := len(name) > 0 && len(name) <= 64 && name[0] != '.'
	for i := 0; ok && i < len(name); i++ {
		c := name[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
	}
	if !ok {
		return fmt.Errorf("%w: ERR invalid snapshot name '%s' (use 1 to 64 letters, digits, '_', '-' or '.', not starting with '.')", ErrInvalidArgument, name)
	}
	return nil
}

// snapshotError maps store errors to the API's.
func snapshotError(name string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrSnapshotExists):
		return fmt.Errorf("%w: ERR snapshot '%s' already exists", ErrInvalidArgument, name)
	case errors.Is(err, store.ErrNoSnapshot):
		return fmt.Errorf("%w: ERR no such snapshot '%s'", ErrInvalidArgument, name)
	case errors.Is(err, store.ErrCorrupt), errors.Is(err, store.ErrNewerFormat):
		return fmt.Errorf("%w: ERR %v", ErrInvalidArgument, err)
	}
	return persistError(err)
}

// Save makes every write durable now and records the data as the
// snapshot named "dump", replacing the previous one (SAVE). It is a Pebble
// checkpoint: hard links to the immutable files, so it takes about the
// same time whatever the size of the data, and it is consistent (every
// transaction is in it or not). It returns an error wrapping
// ErrInvalidArgument for an in-memory store or while a BGSave runs.
func (d *DB) Save() error {
	p, err := d.c.persister()
	if err != nil {
		return err
	}
	if !p.bgsave.CompareAndSwap(false, true) {
		return errBGSaveRunning
	}
	defer p.bgsave.Store(false)
	return p.save(d.c)
}

// open runs fn unless the store is closed, and keeps Close from closing
// the storage under it.
func (p *persister) open(fn func() error) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return ErrClosed
	}
	return fn()
}

func (p *persister) save(c *core) error {
	return p.open(func() error { return p.saveOpen(c) })
}

func (p *persister) saveOpen(c *core) error {
	if err := p.st.SyncWAL(); err != nil {
		return persistError(err)
	}
	if _, err := p.st.Checkpoint(dumpSnapshot, true, c.opts.Clock.Now()); err != nil {
		return persistError(err)
	}
	p.lastSave.Store(time.Now().Unix())
	return nil
}

// BGSave starts Save in the background and returns at once (BGSAVE).
// LastSave tells when it completed; Persistence reports whether it is
// still running and whether the last one failed.
func (d *DB) BGSave() error {
	p, err := d.c.persister()
	if err != nil {
		return err
	}
	if !p.bgsave.CompareAndSwap(false, true) {
		return errBGSaveRunning
	}
	p.bg.Add(1)
	go func() {
		defer p.bg.Done()
		defer p.bgsave.Store(false)
		err := p.save(d.c)
		p.lastBGFail.Store(err != nil)
		if err != nil {
			d.c.log.Error("background save failed", "err", err)
		}
	}()
	return nil
}

// LastSave returns when the last Save or BGSave completed, or when the
// store was opened if none did since (LASTSAVE: Redis also counts a
// freshly started server as saved).
func (d *DB) LastSave() (time.Time, error) {
	p, err := d.c.persister()
	if err != nil {
		return time.Time{}, err
	}
	return time.Unix(p.lastSave.Load(), 0), nil
}

// SnapshotInfo describes a named snapshot.
type SnapshotInfo struct {
	Name    string
	Created time.Time // by the DB's Clock
	Bytes   int64     // size of its files; shared with the live data while unchanged
}

// SnapshotCreate records the current data as snapshot name (SNAPSHOT
// CREATE), a Pebble checkpoint: instant and consistent. Names are 1 to 64
// letters, digits, '_', '-' or '.', not starting with '.'. It returns an
// error wrapping ErrInvalidArgument if the name is taken or invalid, or
// for an in-memory store.
func (d *DB) SnapshotCreate(name string) error {
	p, err := d.c.persister()
	if err != nil {
		return err
	}
	if err := checkSnapshotName(name); err != nil {
		return err
	}
	return p.open(func() error {
		if err := p.st.SyncWAL(); err != nil {
			return persistError(err)
		}
		_, err := p.st.Checkpoint(name, false, d.c.opts.Clock.Now())
		return snapshotError(name, err)
	})
}

// SnapshotList returns the named snapshots, oldest first (SNAPSHOT LIST).
// The snapshot written by Save is named "dump".
func (d *DB) SnapshotList() ([]SnapshotInfo, error) {
	p, err := d.c.persister()
	if err != nil {
		return nil, err
	}
	infos, err := p.st.Snapshots()
	if err != nil {
		return nil, persistError(err)
	}
	out := make([]SnapshotInfo, len(infos))
	for i, in := range infos {
		out[i] = SnapshotInfo{Name: in.Name, Created: in.Created, Bytes: in.Bytes}
	}
	return out, nil
}

// SnapshotDelete removes snapshot name (SNAPSHOT DELETE). It returns an
// error wrapping ErrInvalidArgument if there is none.
func (d *DB) SnapshotDelete(name string) error {
	p, err := d.c.persister()
	if err != nil {
		return err
	}
	if err := checkSnapshotName(name); err != nil {
		return err
	}
	return snapshotError(name, p.st.DeleteSnapshot(name))
}

// SnapshotRestore replaces the whole dataset of the handle's branch,
// every database, by the same branch's in snapshot name (main's if the
// snapshot has no branch of that name) (SNAPSHOT RESTORE) and returns the
// number of keys restored. Other branches keep their data. Keys whose deadline passed since the snapshot was taken are
// not restored. It is one transaction: readers see the old data or the
// new, and a crash keeps one or the other. Every key is announced as a
// "restore" event after the databases are flushed ("flushdb"). It holds
// every lock while it runs, like Redis's DEBUG RELOAD: O(size of the
// snapshot).
func (d *DB) SnapshotRestore(name string) (int64, error) {
	p, err := d.c.persister()
	if err != nil {
		return 0, err
	}
	if err := checkSnapshotName(name); err != nil {
		return 0, err
	}
	var entries []loadedEntry
	err = p.open(func() error {
		rd, err := p.st.OpenSnapshot(name)
		if err != nil {
			return err
		}
		defer rd.Close()
		entries, err = d.c.loadView(rd, d.br.name, d.c.nowMs())
		return err
	})
	if err != nil {
		return 0, snapshotError(name, err)
	}
	return d.c.replaceAll(d.br, entries)
}

// SnapshotExport writes the current data of the handle's branch
// (consistently, every database) to the file path as one zstd-compressed
// stream, for moving a dataset to another machine (SNAPSHOT EXPORT). It
// pins the data with a hidden fork for the time it writes, so writers go
// on meanwhile. The file appears whole or not at
// all: it is written to a temporary file beside path, fsynced, renamed,
// and the directory fsynced. It returns the number of keys written.
func (d *DB) SnapshotExport(path string) (int64, error) {
	p, err := d.c.persister()
	if err != nil {
		return 0, err
	}
	var n int64
	err = p.open(func() (err error) {
		n, err = d.exportTo(path)
		return err
	})
	if errors.Is(err, ErrClosed) {
		return 0, err
	}
	if err != nil {
		return 0, fmt.Errorf("%w: ERR export to %s failed: %v", ErrInvalidArgument, path, err)
	}
	return n, nil
}

// SnapshotImport replaces the whole dataset of the handle's branch by the
// one in the file path,
// written by SnapshotExport (SNAPSHOT IMPORT, rustypotato --restore), as
// SnapshotRestore does, and returns the number of keys loaded. The file
// is read completely and checked before anything changes: a truncated or
// corrupt file changes nothing.
func (d *DB) SnapshotImport(path string) (int64, error) {
	if _, err := d.c.persister(); err != nil {
		return 0, err
	}
	entries, err := collectEntries(func(fn func(*store.Record) error) error {
		return store.ReadExport(path, d.c.nowMs(), fn)
	})
	if err != nil {
		return 0, fmt.Errorf("%w: ERR import of %s failed: %v", ErrInvalidArgument, path, err)
	}
	return d.c.replaceAll(d.br, entries)
}

func collectEntries(scan func(fn func(*store.Record) error) error) ([]loadedEntry, error) {
	var out []loadedEntry
	eb := newEntryBuilder(func(db int, key string, e *keyspace.Entry) {
		out = append(out, loadedEntry{db: db, key: key, e: e})
	})
	if err := scan(eb.add); err != nil {
		return nil, err
	}
	eb.done()
	return out, nil
}

// replaceAll flushes every database and stores entries, in one
// transaction through the mutation path (so watchers, blocked clients,
// events and the durable copy all follow).
func (c *core) replaceAll(br *branch, entries []loadedEntry) (int64, error) {
	err := c.run(br, 0, true, nil, func(tx *Tx) error {
		for db := 0; db < NumDBs; db++ {
			tx.db = db
			if err := tx.FlushDB(); err != nil {
				return err
			}
		}
		for _, le := range entries {
			tx.db = le.db
			tx.put(le.key, "restore", le.e)
			tx.markIfList(le.e, le.key)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return int64(len(entries)), nil
}

// SetFsync changes the fsync policy of a durable store at run time
// (CONFIG SET appendfsync); it applies from the next write. It returns
// an error wrapping ErrInvalidArgument for an in-memory store.
func (d *DB) SetFsync(f Fsync) error {
	p, err := d.c.persister()
	if err != nil {
		return err
	}
	switch f {
	case FsyncAlways:
		p.st.SetFsync(store.FsyncAlways)
	case FsyncNo:
		p.st.SetFsync(store.FsyncNo)
	case FsyncEverySec:
		p.st.SetFsync(store.FsyncEverySec)
	default:
		return fmt.Errorf("%w: ERR invalid fsync policy %d", ErrInvalidArgument, f)
	}
	return nil
}

// PersistenceInfo describes a store's durability state (INFO
// persistence).
type PersistenceInfo struct {
	Dir              string // "" for an in-memory store (the rest is then zero)
	Fsync            Fsync
	Compression      Compression
	LastSave         time.Time
	BGSaveInProgress bool
	LastBGSaveFailed bool
	// Err is why writes are refused (ErrPersistence), nil when they are
	// accepted.
	Err error
	// WALSyncs counts the fsyncs of the write-ahead log so far.
	WALSyncs int64
}

// Persistence returns the store's durability state.
func (d *DB) Persistence() PersistenceInfo {
	p, err := d.c.persister()
	if err != nil {
		return PersistenceInfo{}
	}
	info := PersistenceInfo{
		Dir:              d.c.opts.Dir,
		Compression:      d.c.opts.Compression,
		LastSave:         time.Unix(p.lastSave.Load(), 0),
		BGSaveInProgress: p.bgsave.Load(),
		LastBGSaveFailed: p.lastBGFail.Load(),
		WALSyncs:         p.st.WALSyncs(),
	}
	switch p.st.Fsync() {
	case store.FsyncAlways:
		info.Fsync = FsyncAlways
	case store.FsyncNo:
		info.Fsync = FsyncNo
	}
	if err := p.st.Err(); err != nil {
		info.Err = persistError(err)
	}
	return info
}

// exportTo writes the handle's branch to path (SnapshotExport): a hidden
// fork pins the data, whose frozen layers are then read without locks
// while the branch goes on.
func (d *DB) exportTo(path string) (int64, error) {
	pin, err := d.c.forkHidden(d.br)
	if err != nil {
		return 0, err
	}
	defer d.c.dropHidden(pin)
	now := d.c.nowMs()
	return store.WriteExport(path, func(put func(*store.Record) error) error {
		for db := 0; db < NumDBs; db++ {
			if err := viewRecords(pin.ks, db, now, put); err != nil {
				return err
			}
		}
		return nil
	})
}

// viewRecords passes every live key of database db of ks to put as flat
// records (meta first). ks must not change meanwhile (a hidden fork).
func viewRecords(ks *keyspace.Keyspace, db int, now int64, put func(*store.Record) error) error {
	var r store.Record
	var err error
	for l := ks.Top(db); l != nil && err == nil; l = l.Parent() {
		for i := 0; i < keyspace.NumShards && err == nil; i++ {
			l.ShardKeys(i, func(k string, e *keyspace.Entry) bool {
				if e == nil || e.Expired(now) || ks.Shadowed(db, l, k) {
					return true
				}
				err = entryRecords(&r, db, k, e, put)
				return err == nil
			})
		}
	}
	return err
}

// entryRecords passes key's entry e as flat records to put.
func entryRecords(r *store.Record, db int, key string, e *keyspace.Entry, put func(*store.Record) error) error {
	*r = store.Record{Space: uint64(db), DB: db, Key: []byte(key), Tag: store.TagMeta, Deadline: e.ExpireAt}
	switch e.Kind {
	case keyspace.KindString:
		r.Kind, r.Value = store.KindString, e.Str
		return put(r)
	case keyspace.KindJSON:
		r.Kind, r.Value = store.KindJSON, e.Str
		return put(r)
	case keyspace.KindHash:
		r.Kind = store.KindHash
		if err := put(r); err != nil {
			return err
		}
		var err error
		e.Hash.All(func(f keyspace.HashField) bool {
			*r = store.Record{Space: uint64(db), DB: db, Key: r.Key, Tag: store.TagField, Field: []byte(f.Name), Value: f.Value}
			err = put(r)
			return err == nil
		})
		return err
	case keyspace.KindZSet:
		r.Kind = store.KindZSet
		if err := put(r); err != nil {
			return err
		}
		var err error
		e.ZSet.All(func(m keyspace.ZMember) bool {
			*r = store.Record{Space: uint64(db), DB: db, Key: r.Key, Tag: store.TagField, Field: []byte(m.Member), Value: zscoreBytes(m.Score)}
			err = put(r)
			return err == nil
		})
		return err
	case keyspace.KindList:
		r.Kind = store.KindList
		if err := put(r); err != nil {
			return err
		}
		var err error
		e.List.Range(0, e.List.Len(), func(i int, v []byte) bool {
			*r = store.Record{Space: uint64(db), DB: db, Key: r.Key, Tag: store.TagElem, Pos: int64(i), Value: v}
			err = put(r)
			return err == nil
		})
		return err
	case keyspace.KindSet:
		return setRecords(r, db, e.Set, put) // persist_set.go
	}
	return nil
}

// loadView reads branch name's data (main's if there is no such branch)
// from rd into entries, flattening its layers; keys past their deadline
// at now are left out.
func (c *core) loadView(rd *store.Reader, name string, now int64) ([]loadedEntry, error) {
	lay, err := rd.Layout()
	if err != nil {
		return nil, err
	}
	var rec *store.BranchRecord
	for i := range lay.Branches {
		if b := &lay.Branches[i]; b.Name == name || b.Name == MainBranch && rec == nil {
			rec = b
		}
	}
	if rec == nil {
		return nil, fmt.Errorf("%w: no main branch", store.ErrCorrupt)
	}
	ks := keyspace.NewWithSeed(c.seed)
	layers := map[uint64]*keyspace.Layer{}
	var load func(id uint64) (*keyspace.Layer, error)
	load = func(id uint64) (*keyspace.Layer, error) {
		if l := layers[id]; l != nil {
			return l, nil
		}
		var parent *keyspace.Layer
		if sr := lay.Spaces[id]; sr.HasParent {
			if parent, err = load(sr.Parent); err != nil {
				return nil, err
			}
		}
		l := keyspace.NewLayer(parent)
		eb := newEntryBuilder(func(_ int, key string, e *keyspace.Entry) { ks.PutNew(l, key, e) })
		eb.parent = parent
		if err := rd.ScanSpace(id, eb.add); err != nil {
			return nil, err
		}
		if err := eb.done(); err != nil {
			return nil, err
		}
		layers[id] = l
		return l, nil
	}
	var out []loadedEntry
	for db, t := range rec.Tops {
		l, err := load(t)
		if err != nil {
			return nil, err
		}
		ks.SetTop(db, l)
		for x := l; x != nil; x = x.Parent() {
			for i := 0; i < keyspace.NumShards; i++ {
				x.ShardKeys(i, func(k string, e *keyspace.Entry) bool {
					if e != nil && !e.Expired(now) && !ks.Shadowed(db, x, k) {
						out = append(out, loadedEntry{db: db, key: k, e: e.CloneFrozen()})
					}
					return true
				})
			}
		}
	}
	return out, nil
}
