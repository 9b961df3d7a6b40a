package potato_test

import (
	"context"
	"fmt"

	"rustypotato"
)

func ExampleDB_Subscribe() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	ctx := context.Background()

	sub := db.Subscribe(ctx, "news")
	defer sub.Close()
	sub.PSubscribe("sport.*")

	fmt.Println(db.Publish("news", []byte("hello")))
	fmt.Println(db.Publish("sport.tennis", []byte("6-4")))
	for i := 0; i < 2; i++ {
		m, _ := sub.Receive(ctx)
		fmt.Printf("%s %q %s\n", m.Channel, m.Pattern, m.Payload)
	}
	// Output:
	// 1
	// 1
	// news "" hello
	// sport.tennis "sport.*" 6-4
}

func ExampleDB_SetNotifyKeyspaceEvents() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	ctx := context.Background()

	db.SetNotifyKeyspaceEvents("KEA") // as CONFIG SET notify-keyspace-events KEA
	fmt.Println(db.NotifyKeyspaceEvents())
	sub := db.PSubscribe(ctx, "__keyevent@0__:*")
	defer sub.Close()

	db.Set("greeting", []byte("hi"))
	db.Del("greeting")
	for i := 0; i < 2; i++ {
		m, _ := sub.Receive(ctx)
		fmt.Println(m.Channel, string(m.Payload))
	}
	// Output:
	// AKE
	// __keyevent@0__:set greeting
	// __keyevent@0__:del greeting
}

func ExampleDB_WatchChanges() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()
	ctx := context.Background()

	feed := db.WatchChanges(ctx, "user:*")
	defer feed.Close()

	db.Set("user:1", []byte("ann"))
	db.Set("user:1", []byte("bob"))
	db.Set("session:9", []byte("ignored"))
	db.Del("user:1")
	for i := 0; i < 3; i++ {
		m, _ := feed.Receive(ctx)
		e := m.Edits[0]
		fmt.Printf("%s %s before=%q after=%q\n", m.Op, m.Key, e.Before, e.After)
	}
	// Output:
	// set user:1 before="" after="ann"
	// set user:1 before="ann" after="bob"
	// del user:1 before="bob" after=""
}

func ExampleSubscribeArgs() {
	db, _ := potato.Open(potato.Options{})
	defer db.Close()

	// A subscriber that keeps at most 2 messages and drops the rest
	// (counted) rather than slowing publishers down.
	sub := db.SubscribeArgs(context.Background(), potato.SubscribeArgs{Channels: []string{"ticks"}, Buffer: 2})
	defer sub.Close()
	for i := 0; i < 5; i++ {
		db.Publish("ticks", []byte{byte('0' + i)})
	}
	fmt.Println(len(sub.C()), sub.Dropped())
	// Output:
	// 2 3
}
