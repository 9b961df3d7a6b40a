package server_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"rustypotato/server/servertest"
)

// benchDoc returns a JSON document of about n bytes: a user profile with
// a list of orders.
func benchDoc(n int) string {
	type order struct {
		ID    int      `json:"id"`
		Item  string   `json:"item"`
		Price float64  `json:"price"`
		Tags  []string `json:"tags"`
	}
	doc := map[string]any{"name": "Ann Example", "email": "ann@example.com", "age": 31,
		"address": map[string]any{"city": "Oslo", "zip": "0150"}}
	var orders []order
	for i := 0; ; i++ {
		orders = append(orders, order{ID: i, Item: fmt.Sprintf("item-%d", i), Price: float64(i) + 0.99, Tags: []string{"a", "b"}})
		doc["orders"] = orders
		if b, _ := json.Marshal(doc); len(b) >= n {
			return string(b)
		}
	}
}

// BenchmarkJSONvsString compares, over one RESP connection (one command
// per round trip), JSON.GET of one field of a 10 KB document and JSON.SET
// of one field with GET and SET of a 100-byte string, in the same run.
//
//	go test ./server -run '^$' -bench JSONvsString -benchtime 20000x
func BenchmarkJSONvsString(b *testing.B) {
	srv := servertest.New(b)
	c := dialRaw(b, srv.Addr)
	doc := benchDoc(10 << 10)
	c.do("SET", "str", strings.Repeat("v", 100))
	if got := c.do("JSON.SET", "doc", "$", doc); got != "+OK" {
		b.Fatal(got)
	}
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"GET-100B", []string{"GET", "str"}},
		{"SET-100B", []string{"SET", "str", strings.Repeat("w", 100)}},
		{"JSON.GET-field-10KB", []string{"JSON.GET", "doc", "$.address.city"}},
		{"JSON.GET-legacy-field-10KB", []string{"JSON.GET", "doc", ".email"}},
		{"JSON.SET-field-10KB", []string{"JSON.SET", "doc", "$.address.city", `"Bergen"`}},
		{"GET-dot-field-10KB", []string{"GET", "doc.address.city"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if got := c.do(bc.args...); strings.HasPrefix(got, "-") {
					b.Fatal(got)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}
