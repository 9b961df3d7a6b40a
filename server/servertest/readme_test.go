package servertest_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"rustypotato/server/servertest"
)

// The README's servertest snippet (between the markers), compiled and
// run; rustypotato's readme_test.go checks the README shows it verbatim.
func TestREADMESnippet(t *testing.T) {
	// README: servertest
	srv := servertest.New(t)
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr}) // go-redis
	defer rdb.Close()
	// README end
	ctx := context.Background()
	if err := rdb.Set(ctx, "greeting", "hello", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := srv.DB.Get("greeting"); err != nil || string(v) != "hello" {
		t.Fatalf("the store behind the endpoint has %q, %v", v, err)
	}
}
