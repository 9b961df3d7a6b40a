package keyspace

import "testing"

func TestStripeOfBytesMatchesStripeOf(t *testing.T) {
	ks := New()
	for _, k := range []string{"", "a", "user:1", "\x00\xff binary", string(make([]byte, 300))} {
		for _, db := range []int{0, 7, NumDBs - 1} {
			if a, b := ks.StripeOf(db, k), ks.StripeOfBytes(db, []byte(k)); a != b {
				t.Errorf("db %d key %q: StripeOf %d, StripeOfBytes %d", db, k, a, b)
			}
		}
	}
}
