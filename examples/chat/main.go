// Command chat is a chat room over pub/sub: each user subscribes to the
// room's channel (and one user to every room by pattern), and what one
// publishes reaches all of them.
//
//	go run ./examples/chat
package main

import (
	"context"
	"fmt"
	"log"
	"strings"

	potato "rustypotato"
)

func main() {
	db, err := potato.Open(potato.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()

	users := []string{"ada", "grace", "linus"}
	subs := map[string]*potato.Subscription{}
	for _, u := range users {
		subs[u] = db.Subscribe(ctx, "room:general")
		defer subs[u].Close()
	}
	// A moderator follows every room through a pattern.
	mod := db.PSubscribe(ctx, "room:*")
	defer mod.Close()

	lines := []struct{ from, room, text string }{
		{"ada", "room:general", "hello all"},
		{"grace", "room:general", "hi ada"},
		{"linus", "room:random", "anyone here?"},
	}
	for _, l := range lines {
		n := db.Publish(l.room, []byte(l.from+": "+l.text))
		fmt.Printf("%s -> %s reached %d subscribers\n", l.from, l.room, n)
	}

	for _, u := range users {
		var got []string
		for i := 0; i < 2; i++ { // two lines were said in room:general
			m, err := subs[u].Receive(ctx)
			if err != nil {
				log.Fatal(err)
			}
			got = append(got, string(m.Payload))
		}
		fmt.Printf("%s read: %s\n", u, strings.Join(got, " | "))
	}
	for i := 0; i < len(lines); i++ {
		m, err := mod.Receive(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("moderator (%s) saw in %s: %s\n", m.Pattern, m.Channel, m.Payload)
	}
}
