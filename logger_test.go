package potato_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"rustypotato"
)

// A durable Open without Options.Logger logs nothing (not even through
// slog.Default); with one, the DB's lines go there.
func TestOpenIsSilentByDefault(t *testing.T) {
	var def bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, nil)))
	defer slog.SetDefault(old)
	dir := t.TempDir()
	db, err := potato.Open(potato.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	db.Set("k", []byte("v"))
	db.Close()
	if def.Len() != 0 {
		t.Fatalf("Open without a Logger wrote to slog.Default:\n%s", def.String())
	}
	var mine bytes.Buffer
	db, err = potato.Open(potato.Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(&mine, nil))})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if !strings.Contains(mine.String(), "data loaded") || def.Len() != 0 {
		t.Fatalf("Options.Logger got %q; slog.Default got %q", mine.String(), def.String())
	}
}
