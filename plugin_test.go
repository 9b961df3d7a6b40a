package potato

import (
	"reflect"
	"testing"
)

func TestFunctionLibrariesPersist(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(Options{Dir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteFunctionLibraries(false, []FunctionLibrary{{"b", []byte("2")}, {"a", []byte("1")}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteFunctionLibraries(false, nil, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	d.Close()
	d, err = Open(Options{Dir: dir, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got, err := d.FunctionLibraries()
	if want := []FunctionLibrary{{"a", []byte("1")}}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen: %q, %v; want %q", got, err, want)
	}
	if err := d.WriteFunctionLibraries(true, []FunctionLibrary{{"c", []byte("3")}}, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := d.FunctionLibraries(); len(got) != 1 || got[0].Name != "c" {
		t.Fatalf("after replaceAll: %q", got)
	}
	// An in-memory store keeps none and accepts writes.
	m, _ := Open(Options{})
	defer m.Close()
	if err := m.WriteFunctionLibraries(false, []FunctionLibrary{{"x", nil}}, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := m.FunctionLibraries(); err != nil || got != nil {
		t.Fatalf("in memory: %v, %v", got, err)
	}
	if !IsPlugin([]byte("\x00asm\x01\x00\x00\x00")) || IsPlugin([]byte("#!lua")) {
		t.Fatal("IsPlugin")
	}
}
