package store

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// Storage failures and recovery.
//
// A failed WAL write or sync (a full disk, a read-only remount, an I/O
// error) leaves Pebble's WAL writer unusable, so the store refuses writes
// (Err, Redis's MISCONF) while reads, served from memory, go on. Then:
//
//   - recoverLoop retries every RecoveryInterval: it closes the failed
//     Pebble, opens it again (replaying its WAL) and probes with a synced
//     write. The first probe that succeeds makes the store writable again
//     and logs one line, as Redis accepts writes again once its AOF write
//     succeeds.
//   - Pebble retries a failed flush at once, with no backoff; on a full
//     disk that is a busy loop. noSpace makes the next sstable Create wait
//     (walFS.Create), doubling up to a second, until a flush succeeds.
//   - Background errors are logged once per kind and then at most every
//     logEvery with a count, without stack traces.
//   - An Open whose recovery flush keeps failing for lack of space gives
//     up after openNoSpaceTries with one error instead of spinning.

// RecoveryInterval is how often a failed store tries to write again.
var RecoveryInterval = time.Second

// openNoSpaceTries is how many failed flushes for lack of space Open
// sits through before it gives up.
const openNoSpaceTries = 5

// logEvery is the shortest interval between two log lines of the same
// repeated background error.
const logEvery = 10 * time.Second

// ErrNoSpace is returned by Open when the data directory's disk has no
// room for the flush that recovery needs.
var ErrNoSpace = errors.New("not enough free disk space to open the data directory")

// isNoSpace reports whether err means the disk (or quota) is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// recovery is the Store's failure and recovery state.
type recovery struct {
	mu       sync.Mutex // guards running, stopped
	running  bool       // recoverLoop is running
	stopped  bool       // Close began: start no loop
	failures atomic.Int64

	// noSpace backoff for sstable creation (nanoseconds; 0: none).
	backoff atomic.Int64

	// opening is set while Open waits for Pebble; stuck (made once by
	// Open: a Pebble left behind may still report) receives once Pebble's
	// recovery flush failed openNoSpaceTries times for lack of space.
	opening   atomic.Bool
	openFails atomic.Int32
	stuck     chan error

	logMu   sync.Mutex
	lastLog map[string]logState
}

type logState struct {
	at    time.Time
	count int
}

// logBackground logs a Pebble background error: the first of its kind at
// once, repeats at most every logEvery with how many there were.
func (s *Store) logBackground(err error) {
	msg := err.Error()
	kind := msg
	if isNoSpace(err) {
		kind = "no space"
	}
	s.rec.logMu.Lock()
	if s.rec.lastLog == nil {
		s.rec.lastLog = map[string]logState{}
	}
	st := s.rec.lastLog[kind]
	st.count++
	now := time.Now()
	emit := st.at.IsZero() || now.Sub(st.at) >= logEvery
	n := st.count
	if emit {
		st = logState{at: now}
	}
	s.rec.lastLog[kind] = st
	s.rec.logMu.Unlock()
	if emit {
		s.log.Error("storage background error", "err", msg, "times", n)
	}
}

// noteNoSpace is called on a background error: a full disk slows the
// next sstable creation down, and an Open stuck on it gives up.
func (s *Store) noteNoSpace(err error) {
	if !isNoSpace(err) {
		return
	}
	b := s.rec.backoff.Load()
	switch {
	case b == 0:
		b = int64(50 * time.Millisecond)
	case b < int64(time.Second):
		b = min(2*b, int64(time.Second))
	}
	s.rec.backoff.Store(b)
	if s.rec.opening.Load() && s.rec.openFails.Add(1) == openNoSpaceTries {
		select {
		case s.rec.stuck <- err:
		default:
		}
	}
}

// createBackoff is called before an sstable is created.
func (s *Store) createBackoff() {
	if b := s.rec.backoff.Load(); b > 0 {
		time.Sleep(time.Duration(b))
	}
}

// flushed is called after a successful flush: the disk has room again.
func (s *Store) flushed() { s.rec.backoff.Store(0) }

// openPebble opens Pebble for s, giving up with ErrNoSpace when its
// recovery flush keeps failing for lack of space. (The Pebble left
// behind then finishes opening, or not, in the background and is closed
// if it does; its process is about to report the error and exit.)
func (s *Store) openPebble() (*pebble.DB, error) {
	type result struct {
		db  *pebble.DB
		err error
	}
	select { // a report left from an earlier open
	case <-s.rec.stuck:
	default:
	}
	s.rec.openFails.Store(0)
	s.rec.opening.Store(true)
	defer s.rec.opening.Store(false)
	done := make(chan result, 1)
	// A block cache per Pebble: Open takes its own reference.
	po := *s.po
	po.Cache = pebble.NewCache(16 << 20)
	defer po.Cache.Unref()
	go func() {
		db, err := pebble.Open(s.dbDir, &po)
		done <- result{db, err}
	}()
	select {
	case r := <-done:
		return r.db, r.err
	case err := <-s.rec.stuck:
		go func() {
			if r := <-done; r.db != nil {
				closePebble(r.db)
			}
		}()
		return nil, fmt.Errorf("%w %s: replaying its write-ahead log needs room for new data files (%v); free some space and start again", ErrNoSpace, s.dir, err)
	}
}

// closePebble closes db, which may panic after a WAL failure.
func closePebble(db *pebble.DB) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("closing storage: %v", r)
		}
	}()
	return db.Close()
}

// startRecovery starts recoverLoop unless it runs or the store closes.
func (s *Store) startRecovery() {
	s.rec.mu.Lock()
	defer s.rec.mu.Unlock()
	if s.rec.running || s.rec.stopped {
		return
	}
	s.rec.running = true
	s.bg.Add(1)
	go s.recoverLoop()
}

// stopRecovery keeps new loops from starting (Close).
func (s *Store) stopRecovery() {
	s.rec.mu.Lock()
	s.rec.stopped = true
	s.rec.mu.Unlock()
}

func (s *Store) recoverLoop() {
	defer s.bg.Done()
	t := time.NewTicker(RecoveryInterval)
	defer t.Stop()
	for tries := 1; ; tries++ {
		select {
		case <-s.stop:
			s.rec.mu.Lock()
			s.rec.running = false
			s.rec.mu.Unlock()
			return
		case <-t.C:
		}
		err := s.tryRecover()
		if err == nil {
			s.rec.mu.Lock()
			s.rec.running = false
			s.rec.mu.Unlock()
			s.log.Info("storage recovered: accepting writes again", "retries", tries)
			return
		}
		if tries == 1 || tries%60 == 0 {
			s.log.Warn("storage still failing: writes refused, retrying", "err", err.Error(), "retries", tries)
		}
	}
}

// tryRecover reopens Pebble and probes it with a synced write; on success
// the store accepts writes again.
func (s *Store) tryRecover() error {
	s.dbMu.Lock()
	defer s.dbMu.Unlock()
	if !s.dbClosed {
		_ = closePebble(s.db)
		s.dbClosed = true
	}
	db, err := s.openPebble()
	if err != nil {
		return err
	}
	before := s.rec.failures.Load()
	err = db.LogData(nil, pebble.Sync)
	if err == nil {
		err = s.wfs.syncDirty()
	}
	if err == nil && s.rec.failures.Load() != before {
		err = errors.New("write-ahead log failed again")
	}
	if err != nil {
		_ = closePebble(db)
		return err
	}
	s.db, s.dbClosed = db, false
	s.fatal.Store(nil)
	return nil
}
