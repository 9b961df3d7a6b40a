package keyspace

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

func setList(s *Set) []string {
	var out []string
	s.All(func(m string) bool { out = append(out, m); return true })
	return out
}

func TestSetContainer(t *testing.T) {
	s := NewSetFor("3")
	for _, m := range []string{"3", "-1", "10", "3"} {
		s.Add(m, 4)
	}
	if got := fmt.Sprint(setList(s)); got != "[-1 3 10]" || !s.Intset() {
		t.Fatalf("intset = %s (intset %v)", got, s.Intset())
	}
	c := s.Clone()
	c.Add("4", 4)
	c.Rem("-1")
	if got := fmt.Sprint(setList(s)); got != "[-1 3 10]" {
		t.Errorf("original changed by its clone's writes: %s", got)
	}
	flat := c.Clone()
	if !c.WouldConvert("5", 3) || c.WouldConvert("4", 3) || c.WouldConvert("5", 4) || !c.WouldConvert("x", 100) {
		t.Error("WouldConvert")
	}
	c.Add("5", 3) // a fourth member past a limit of 3: converts
	c.Add("x", 3)
	if c.Intset() || c.Len() != 5 || !c.Has("x") || !c.Has("5") {
		t.Fatalf("after conversion: intset %v, %q", c.Intset(), setList(c))
	}
	c.Unconvert(flat)
	if got := fmt.Sprint(setList(c)); got != "[3 4 10]" || !c.Intset() {
		t.Errorf("Unconvert = %s", got)
	}
	if c.Has("x") || c.Has("03") || c.Rem("nope") {
		t.Error("Has/Rem of non-members")
	}
	if flat.Has("5") {
		t.Error("the pre-conversion copy changed")
	}
}

// TestSetScan: a hashtable scan in small steps visits every member that
// is present throughout, while others come and go between the calls.
func TestSetScan(t *testing.T) {
	s := NewSetFor("m")
	for i := range 300 {
		s.Add("m"+strconv.Itoa(i), 512)
	}
	seen := map[string]bool{}
	cur := uint64(0)
	for i := 0; ; i++ {
		cur = s.Scan(cur, 7, func(m string) { seen[m] = true })
		s.Add("new"+strconv.Itoa(i), 512)
		s.Rem("new" + strconv.Itoa(i-3))
		if cur == 0 {
			break
		}
	}
	for i := range 300 {
		if !seen["m"+strconv.Itoa(i)] {
			t.Fatalf("m%d not visited", i)
		}
	}
	// An intset comes back whole in one call.
	is := NewSet()
	for i := range 50 {
		is.Add(strconv.Itoa(i), 512)
	}
	var got []string
	if next := is.Scan(0, 1, func(m string) { got = append(got, m) }); next != 0 || len(got) != 50 {
		t.Errorf("intset scan: next %d, %d members", next, len(got))
	}
	frozen := is.CloneFrozen()
	is.Add("1000", 512)
	if slices.Contains(setList(frozen), "1000") {
		t.Error("a frozen clone saw a later write")
	}
}
