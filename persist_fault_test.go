package potato

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitWritable retries SET key value until the store accepts writes
// again (recovery runs about once a second).
func waitWritable(t *testing.T, d *DB, key, value string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := d.Set(key, bs(value))
		if err == nil {
			break
		}
		if !errors.Is(err, ErrPersistence) || time.Now().After(deadline) {
			t.Fatalf("writes not accepted again after the fault cleared: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if info := d.Persistence(); info.Err != nil {
		t.Fatalf("Persistence().Err after recovery: %v", info.Err)
	}
}

// smallDisk mounts a tmpfs of size bytes on a new directory (root only;
// the test is skipped where mounting is not allowed) and unmounts it
// when the test ends.
func smallDisk(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// fill writes 1 KB values until the disk is full, and returns the number
// of keys written.
func fill(t *testing.T, d *DB) int {
	t.Helper()
	v := bytes.Repeat([]byte("x"), 1024)
	for i := 0; ; i++ {
		err := d.Set(fmt.Sprint("fill", i), v)
		if errors.Is(err, ErrPersistence) {
			if !strings.Contains(err.Error(), "no space left on device") {
				t.Fatalf("full disk error: %v", err)
			}
			return i
		}
		if err != nil {
			t.Fatal(err)
		}
		if i > 1<<20 {
			t.Fatal("the small disk never filled")
		}
	}
}

// On a real full disk (a small tmpfs) under appendfsync always, writes
// get MISCONF and reads go on; once space is freed the store accepts
// writes again by itself, with a log line, and keeps them after a
// restart.
func TestPersistRecoversAfterFullDisk(t *testing.T) {
	disk := smallDisk(t, 8<<20)
	ballast := filepath.Join(disk, "ballast")
	if err := os.WriteFile(ballast, make([]byte, 2<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	dir := filepath.Join(disk, "data")
	d, err := Open(Options{Dir: dir, Fsync: FsyncAlways, ExpiryInterval: -1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	n := fill(t, d)
	if v, err := d.Get("fill0"); err != nil || len(v) != 1024 {
		t.Fatalf("read on a full disk: %d bytes, %v", len(v), err)
	}
	time.Sleep(1500 * time.Millisecond) // a retry or two while still full
	if err := d.Set("late", bs("x")); !errors.Is(err, ErrPersistence) {
		t.Fatalf("write while still full: %v", err)
	}
	if err := os.Remove(ballast); err != nil {
		t.Fatal(err)
	}
	waitWritable(t, d, "after", "space freed")
	if !strings.Contains(logs.String(), "storage recovered: accepting writes again") {
		t.Fatalf("no recovery log line:\n%s", logs.String())
	}
	if c := strings.Count(logs.String(), "\n"); c > 20 {
		t.Fatalf("%d log lines for one full-disk episode:\n%s", c, logs.String())
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = Open(Options{Dir: dir, Fsync: FsyncAlways, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, k := range []string{"fill0", fmt.Sprint("fill", n-1), "after"} {
		if _, err := d.Get(k); err != nil {
			t.Fatalf("after restart %s: %v", k, err)
		}
	}
}

// Opening a store whose write-ahead log needs more room than the disk
// has fails fast with one clear error, instead of retrying its flush in
// a busy loop that floods the log.
func TestPersistOpenOnFullDiskFailsFast(t *testing.T) {
	disk := smallDisk(t, 8<<20)
	dir := filepath.Join(disk, "data")
	// Room kept back while the store fills the disk, so that the flush
	// has space once the test frees it.
	reserve := filepath.Join(disk, "reserve")
	if err := os.WriteFile(reserve, make([]byte, 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := Open(Options{Dir: dir, Fsync: FsyncAlways, ExpiryInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, d)
	crashed := t.TempDir() // what kill -9 leaves: the WAL not flushed
	if out, err := exec.Command("cp", "-a", dir+"/.", crashed).CombinedOutput(); err != nil {
		t.Fatalf("copy: %v %s", err, out)
	}
	d.Close()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(reserve); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", crashed, dir).CombinedOutput(); err != nil {
		t.Fatalf("copy back: %v %s", err, out)
	}
	// Fill whatever is left.
	f, _ := os.Create(filepath.Join(disk, "ballast"))
	for {
		if _, err := f.Write(make([]byte, 64<<10)); err != nil {
			break
		}
	}
	f.Close()

	var logs syncBuffer
	start := time.Now()
	d, err = Open(Options{Dir: dir, Fsync: FsyncAlways, ExpiryInterval: -1, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	took := time.Since(start)
	if err == nil {
		d.Close()
		t.Skip("the store opened on the full disk (nothing to flush)")
	}
	if !errors.Is(err, ErrPersistence) && !strings.Contains(err.Error(), "not enough free disk space") {
		t.Fatalf("Open on a full disk: %v", err)
	}
	if took > 15*time.Second {
		t.Fatalf("Open took %v to give up", took)
	}
	if c := strings.Count(logs.String(), "\n"); c > 5 {
		t.Fatalf("%d log lines while opening:\n%s", c, logs.String())
	}
	t.Logf("Open gave up after %v: %v", took, err)

	// Once space is freed, the Pebble left behind finishes opening and
	// closes itself, and the store opens with everything written.
	if err := os.Remove(filepath.Join(disk, "ballast")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d, err = Open(Options{Dir: dir, Fsync: FsyncAlways, ExpiryInterval: -1})
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Open after space was freed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	defer d.Close()
	if _, err := d.Get("fill0"); err != nil {
		t.Fatalf("after space was freed: %v", err)
	}
}
