package potato

import (
	"errors"
	"fmt"
	"testing"
)

func TestSortAndLCS(t *testing.T) {
	db := openTestMem(t)
	db.RPush("l", []byte("3"), []byte("1"), []byte("10"), []byte("2"))
	db.MSet(KeyValue{"w_3", []byte("0")}, KeyValue{"w_1", []byte("5")}, KeyValue{"n_10", []byte("ten")})
	cases := []struct {
		a    SortArgs
		want string
	}{
		{SortArgs{}, "[1 2 3 10]"},
		{SortArgs{Desc: true}, "[10 3 2 1]"},
		{SortArgs{Alpha: true}, "[1 10 2 3]"},
		{SortArgs{HasLimit: true, Offset: 1, Count: 2}, "[2 3]"},
		{SortArgs{By: "w_*"}, "[10 2 3 1]"}, // missing weights are 0, ties by element
		{SortArgs{By: "nosort", Desc: true}, "[2 10 1 3]"},
		{SortArgs{Get: []string{"#", "n_*"}, HasLimit: true, Offset: 3, Count: 5}, "[10 ten]"},
	}
	for _, c := range cases {
		res, err := db.Sort("l", c.a)
		if err != nil {
			t.Fatalf("%+v: %v", c.a, err)
		}
		if got := fmt.Sprintf("%s", res); got != c.want {
			t.Errorf("SORT %+v = %s, want %s", c.a, got, c.want)
		}
	}
	n, err := db.SortStore("l", "dst", SortArgs{Desc: true})
	if err != nil || n != 4 {
		t.Fatalf("SORT STORE = %d, %v", n, err)
	}
	if got, _ := db.LRange("dst", 0, -1); fmt.Sprintf("%s", got) != "[10 3 2 1]" {
		t.Fatalf("stored %s", got)
	}
	db.RPush("bad", []byte("x"))
	if _, err := db.Sort("bad", SortArgs{}); !errors.Is(err, ErrSortScore) {
		t.Fatalf("numeric SORT of a word: %v", err)
	}
	db.Set("s", []byte("x"))
	if _, err := db.Sort("s", SortArgs{}); !errors.Is(err, ErrWrongType) {
		t.Fatalf("SORT of a string: %v", err)
	}

	db.Set("a", []byte("ohmytext"))
	db.Set("b", []byte("mynewtext"))
	r, err := db.LCS("a", "b", true, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.MatchString) != "mytext" || r.Len != 6 || len(r.Matches) != 2 ||
		r.Matches[0] != (LCSMatch{4, 7, 5, 8, 4}) || r.Matches[1] != (LCSMatch{2, 3, 0, 1, 2}) {
		t.Fatalf("LCS = %+v", r)
	}
	if _, err := db.LCS("a", "l", false, 0); !errors.Is(err, ErrLCSNotString) {
		t.Fatalf("LCS with a list: %v", err)
	}
}
