package store

import (
	"reflect"
	"testing"
)

func TestMetaRecords(t *testing.T) {
	dir := t.TempDir()
	s := openT(t, dir)
	if err := s.WriteMeta("functions", false, []MetaRecord{{"b", []byte("2")}, {"a", []byte("1")}, {"\xff", []byte("ff")}}, nil); err != nil {
		t.Fatal(err)
	}
	// A namespace that is a prefix of another stays apart from it.
	if err := s.WriteMeta("function", false, []MetaRecord{{"x", []byte("other")}}, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteMeta("functions", false, nil, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	want := []MetaRecord{{"a", []byte("1")}, {"\xff", []byte("ff")}}
	got, err := s.MetaRecords("functions")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("MetaRecords = %q, %v; want %q", got, err, want)
	}
	// Meta records are not data: a restart scan does not see them.
	if has, err := s.hasData(); err != nil || has {
		t.Fatalf("hasData = %v, %v", has, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir)
	got, err = s.MetaRecords("functions")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after reopen: %q, %v", got, err)
	}
	// replace drops the whole namespace in the same batch.
	if err := s.WriteMeta("functions", true, []MetaRecord{{"c", []byte("3")}}, nil); err != nil {
		t.Fatal(err)
	}
	got, _ = s.MetaRecords("functions")
	if !reflect.DeepEqual(got, []MetaRecord{{"c", []byte("3")}}) {
		t.Fatalf("after replace: %q", got)
	}
	if got, _ := s.MetaRecords("function"); len(got) != 1 || got[0].Name != "x" {
		t.Fatalf("neighbour namespace after replace: %q", got)
	}
	if _, err := s.MetaRecords(""); err == nil {
		t.Fatal("empty namespace accepted")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}
