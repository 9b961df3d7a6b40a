package server

import (
	"fmt"
	"testing"

	"rustypotato"
)

// A failed durable write reaches clients as Redis's MISCONF error.
func TestPersistErrorReply(t *testing.T) {
	err := fmt.Errorf("%w: write /data/db/000004.log: no space left on device", potato.ErrPersistence)
	want := "MISCONF Errors writing to the data directory: write /data/db/000004.log: no space left on device"
	if got := errorText(err); got != want {
		t.Fatalf("errorText = %q, want %q", got, want)
	}
}
