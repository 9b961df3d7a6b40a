package potato

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
)

// Options configures a DB. The zero value is a valid configuration: an
// in-memory database with Redis's defaults; set Dir for a durable one.
// Every field's zero value means the documented default.
type Options struct {
	// Dir is the data directory. Empty means a purely in-memory store.
	// Otherwise every write is persisted there (Pebble, see persist.go)
	// before it becomes visible, and Open loads the data back. Only one
	// process may open a directory at a time.
	Dir string

	// Fsync is the WAL sync policy when Dir is set, like Redis's
	// appendfsync. Zero means FsyncEverySec.
	Fsync Fsync

	// Compression is the block compression of the files in Dir. Zero
	// means CompressionDefault (Snappy).
	Compression Compression

	// Timeline bounds the history of changes kept for TIMELINE, HISTORY
	// and ROLLBACK (timeline.go). The zero value keeps up to 100000
	// entries or 64 MiB per branch; Timeline.Disabled turns it off.
	Timeline TimelineOptions

	// Clock tells time for TTLs and expiry. Nil means the system clock.
	// Tests pass a manual clock to move time instead of sleeping.
	Clock Clock

	// MaxValueBytes bounds the size of one string value, like Redis's
	// proto-max-bulk-len. Zero means 512 MiB.
	MaxValueBytes int64

	// ExpiryInterval is how often active expiry looks for keys whose
	// deadline passed. Zero means 100ms. Negative disables active expiry
	// (keys still expire lazily on access).
	ExpiryInterval time.Duration

	// Logger receives the DB's log lines (data loaded, persistence
	// errors and recovery). Nil means none: a library is silent unless
	// asked; the rustypotato server passes its own logger.
	Logger *slog.Logger

	// NotifyKeyspaceEvents selects the keyspace notifications published
	// at start, in Redis's notify-keyspace-events syntax (e.g. "KEA");
	// empty means none, as in Redis. DB.SetNotifyKeyspaceEvents changes
	// it at runtime.
	NotifyKeyspaceEvents string

	// MaxMemory limits the accounted size of the data, in bytes
	// (Redis's maxmemory; see DB.MemoryStats): past it, keys are evicted
	// per EvictionPolicy, or writes that add data fail with ErrOOM under
	// NoEviction. Zero means no limit. DB.SetEvictionConfig changes it,
	// and the fields below, at run time.
	MaxMemory int64

	// EvictionPolicy chooses the keys evicted at MaxMemory (Redis's
	// maxmemory-policy). The zero value is NoEviction.
	EvictionPolicy EvictionPolicy

	// MaxMemorySamples, EvictionTenacity, LFULogFactor and LFUDecayTime
	// are Redis's maxmemory-samples (default 5),
	// maxmemory-eviction-tenacity (10), lfu-log-factor (10) and
	// lfu-decay-time (1 minute); zero means the default, and a negative
	// value of the last three means 0.
	MaxMemorySamples int
	EvictionTenacity int
	LFULogFactor     int
	LFUDecayTime     int

	// fs replaces the operating system's filesystem under Dir (tests:
	// Pebble's crashable in-memory filesystem, fault injection).
	fs vfs.FS
}

// Clock is a source of the current time. Implementations must be safe for
// concurrent use.
type Clock interface {
	Now() time.Time
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// DefaultMaxValueBytes is the default of Options.MaxValueBytes.
const DefaultMaxValueBytes = 512 << 20

func (o Options) withDefaults() (Options, error) {
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.MaxValueBytes == 0 {
		o.MaxValueBytes = DefaultMaxValueBytes
	}
	if o.MaxValueBytes < 0 {
		return o, fmt.Errorf("potato: Options.MaxValueBytes is negative (%d)", o.MaxValueBytes)
	}
	if o.ExpiryInterval == 0 {
		o.ExpiryInterval = 100 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Fsync > FsyncNo {
		return o, fmt.Errorf("potato: Options.Fsync is invalid (%d)", o.Fsync)
	}
	if o.Compression > CompressionZstd {
		return o, fmt.Errorf("potato: Options.Compression is invalid (%d)", o.Compression)
	}
	if err := o.evictionConfig().check(); err != nil {
		return o, fmt.Errorf("potato: Options: %w", err)
	}
	if _, err := parseNotifyFlags(o.NotifyKeyspaceEvents); err != nil {
		return o, fmt.Errorf("potato: Options.NotifyKeyspaceEvents %q: invalid event class character (use 'Ag$lshzxeKEtmdn')", o.NotifyKeyspaceEvents)
	}
	return o, nil
}
