// Command rustypotato-cli is the RustyPotato command-line client, a
// drop-in for redis-cli: run it with a command for one reply
// (rustypotato-cli SET a b), or without one for an interactive prompt.
// See rustypotato-cli --help.
package main

import (
	"fmt"
	"os"

	"rustypotato/cli"
)

func main() {
	cfg, err := cli.ParseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(cli.Run(cfg, os.Stdin, os.Stdout, os.Stderr))
}
