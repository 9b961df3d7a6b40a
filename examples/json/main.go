// Command json is a small user-profile store on RustyPotato's JSON
// documents: each profile is one JSON key, read and updated by path, so
// a change to one field never rewrites the profile from the client.
//
//	go run ./examples/json
package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"rustypotato"
)

// Profiles stores user profiles as JSON documents under "user:<id>".
type Profiles struct{ db *potato.DB }

func key(id string) string { return "user:" + id }

// Create stores a new profile (and fails if one exists).
func (p Profiles) Create(id, profileJSON string) error {
	return p.db.JSONSetMode(key(id), "$", profileJSON, "NX")
}

// Rename changes one field.
func (p Profiles) Rename(id, name string) error {
	return p.db.JSONSet(key(id), "$.name", fmt.Sprintf("%q", name))
}

// AddLanguage appends to the languages list.
func (p Profiles) AddLanguage(id, lang string) error {
	_, err := p.db.JSONArrAppend(key(id), "$.languages", fmt.Sprintf("%q", lang))
	return err
}

// Visit counts a visit and returns the new count.
func (p Profiles) Visit(id string) (string, error) {
	n, err := p.db.JSONNumIncrBy(key(id), "$.stats.visits", 1)
	if err != nil || len(n) == 0 {
		return "", err
	}
	return string(n[0]), nil
}

// Update merges a partial profile (RFC 7396: null deletes a field).
func (p Profiles) Update(id, patch string) error { return p.db.JSONMerge(key(id), "$", patch) }

func run(w io.Writer) error {
	db, err := potato.Open(potato.Options{}) // in memory; set Dir to keep the data
	if err != nil {
		return err
	}
	defer db.Close()
	ps := Profiles{db: db}
	if err := ps.Create("1", `{"name":"Ann","email":"ann@example.com","languages":["go"],"stats":{"visits":0}}`); err != nil {
		return err
	}
	if err := ps.Create("2", `{"name":"Bo","languages":[],"stats":{"visits":5}}`); err != nil {
		return err
	}
	if err := ps.Create("1", `{}`); errors.Is(err, potato.ErrNotFound) { // NX not met
		fmt.Fprintln(w, "user 1 exists already")
	}
	if err := ps.AddLanguage("1", "rust"); err != nil {
		return err
	}
	if err := ps.Rename("1", "Ann Lee"); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		if _, err := ps.Visit("1"); err != nil {
			return err
		}
	}
	if err := ps.Update("1", `{"email":null,"city":"Oslo"}`); err != nil {
		return err
	}
	doc, err := db.JSONGet(key("1"))
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "user 1:", string(doc))
	names, err := db.JSONMGet("$.name", key("1"), key("2"))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "names: %s %s\n", names[0], names[1])
	busy, err := db.JSONGet(key("2"), "$[?(@.visits > 3)].visits")
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "user 2 visits if more than 3:", string(busy))
	lang, err := db.GetDotted("user:1.languages.1", nil) // what GET user:1.languages.1 returns
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "second language:", string(lang))
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		log.Fatal(err)
	}
}
