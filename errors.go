package potato

import "errors"

// Errors returned by RustyPotato. Check them with errors.Is. The server maps
// each to Redis's exact reply text (see server.ErrorReply); the text after
// "potato: " is that reply where Redis has one.
var (
	// ErrNotFound is returned by reads of a key, field or element that does
	// not exist (Redis replies nil).
	ErrNotFound = errors.New("potato: not found")
	// ErrWrongType is returned when a command meets a key holding another
	// kind of value.
	ErrWrongType = errors.New("potato: WRONGTYPE Operation against a key holding the wrong kind of value")
	// ErrNotInteger is returned when a value or argument is not an integer
	// or is out of range for a 64-bit signed integer.
	ErrNotInteger = errors.New("potato: ERR value is not an integer or out of range")
	// ErrNotFloat is returned when a value or argument is not a valid float.
	ErrNotFloat = errors.New("potato: ERR value is not a valid float")
	// ErrHashNotInteger is HINCRBY's error for a field that is not an integer.
	ErrHashNotInteger = errors.New("potato: ERR hash value is not an integer")
	// ErrHashNotFloat is HINCRBYFLOAT's error for a field that is not a float.
	ErrHashNotFloat = errors.New("potato: ERR hash value is not a float")
	// ErrOverflow is returned when an increment would overflow int64.
	ErrOverflow = errors.New("potato: ERR increment or decrement would overflow")
	// ErrNaNOrInf is returned when a float increment would produce NaN or
	// infinity.
	ErrNaNOrInf = errors.New("potato: ERR increment would produce NaN or Infinity")
	// ErrValueNaNOrInf is HINCRBYFLOAT's error for an increment that is
	// itself NaN or infinite (Redis checks it before the key).
	ErrValueNaNOrInf = errors.New("potato: ERR value is NaN or Infinity")
	// ErrNoSuchKey is returned by RENAME and friends when the source key
	// does not exist.
	ErrNoSuchKey = errors.New("potato: ERR no such key")
	// ErrIndexOutOfRange is returned by LSET for an index outside the list.
	ErrIndexOutOfRange = errors.New("potato: ERR index out of range")
	// ErrStringTooLong is returned when a string would exceed
	// Options.MaxValueBytes (Redis's proto-max-bulk-len).
	ErrStringTooLong = errors.New("potato: ERR string exceeds maximum allowed size (proto-max-bulk-len)")
	// ErrInvalidExpire is returned for a TTL or deadline that is not
	// positive or that overflows.
	ErrInvalidExpire = errors.New("potato: ERR invalid expire time")
	// ErrDBIndex is returned for a database index outside 0..15.
	ErrDBIndex = errors.New("potato: ERR DB index is out of range")
	// ErrSameObject is returned by MOVE and COPY when source and
	// destination are the same.
	ErrSameObject = errors.New("potato: ERR source and destination objects are the same")
	// ErrInvalidArgument is returned for an argument outside its domain
	// (a negative count, conflicting flags); the error wrapping it says
	// which.
	ErrInvalidArgument = errors.New("potato: invalid argument")
	// ErrTxAborted is returned by an Update whose watched keys changed.
	ErrTxAborted = errors.New("potato: transaction aborted: a watched key changed")
	// ErrTxReadOnly is returned when a write is attempted in a View.
	ErrTxReadOnly = errors.New("potato: write in a read-only transaction")
	// ErrTxDone is returned when a Tx is used after its closure returned.
	ErrTxDone = errors.New("potato: transaction already finished")
	// ErrPersistence is returned by writes when the data directory cannot
	// be written (full disk, read-only or failing device, failed fsync):
	// the write changed nothing, and reads keep working. Its text starts
	// with Redis's "MISCONF" code; the error wrapping it says what failed.
	// After a WAL failure the store refuses writes until it is reopened.
	ErrPersistence = errors.New("potato: MISCONF Errors writing to the data directory")
	// ErrNoBranch is returned for a branch that does not exist (or was
	// deleted); the error wrapping it names the branch.
	ErrNoBranch = errors.New("potato: ERR no such branch")
	// ErrBranchExists is returned by CreateBranch for a name in use.
	ErrBranchExists = errors.New("potato: ERR branch already exists")
	// ErrBranchInUse is returned by the server's BRANCH DELETE for a
	// branch some connection works on.
	ErrBranchInUse = errors.New("potato: ERR branch is in use")
	// ErrJSON is returned (wrapped) by the JSON methods for what RedisJSON
	// answers with an error: invalid JSON, a path that does not parse or
	// does not exist, a value of the wrong type. The text after
	// "potato: JSON: " is RedisJSON's reply, code included (serde_json's
	// parse errors have none).
	ErrJSON = errors.New("potato: JSON")
	// ErrOOM is returned by writes that would add data while the store
	// is over Options.MaxMemory and nothing can be evicted (the policy
	// is NoEviction, or no key qualifies): the write changed nothing.
	// Reads and deletes keep working.
	ErrOOM = errors.New("potato: OOM command not allowed when used memory > 'maxmemory'.")
	// ErrNoLFU is returned by Freq unless an LFU eviction policy is in
	// force (Redis's OBJECT FREQ error).
	ErrNoLFU = errors.New("potato: ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	// ErrNoLRU is returned by Object's idle time under an LFU eviction
	// policy (Redis's OBJECT IDLETIME error).
	ErrNoLRU = errors.New("potato: ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	// ErrClosed is returned by operations on a closed DB.
	ErrClosed = errors.New("potato: database closed")
	// ErrHookRejected matches (errors.Is) the *HookError of a write that
	// a hook rejected (hooks.go).
	ErrHookRejected = errors.New("potato: HOOK rejected the write")
)
