package potato

import (
	"sync"
	"testing"
	"time"
)

// testClock is a manual Clock for tests: time stands still until the test
// moves it with Advance or Set. It is safe for concurrent use.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

// testEpoch is where every testClock starts: a fixed, round instant so
// that deadlines in tests are readable numbers.
var testEpoch = time.UnixMilli(1_700_000_000_000)

// newTestClock returns a testClock standing at testEpoch.
func newTestClock() *testClock { return &testClock{now: testEpoch} }

// Now returns the clock's current time.
func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Set moves the clock to t.
func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// openTestDB opens an in-memory DB whose time is a testClock, with active
// expiry off unless the test turns it on, and closes it in t.Cleanup.
func openTestDB(t testing.TB) (*DB, *testClock) {
	t.Helper()
	clk := newTestClock()
	d, err := Open(Options{Clock: clk, ExpiryInterval: -1})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { d.Close() })
	return d, clk
}
