package cli

import (
	"net"
	"os"
	"strings"
	"testing"

	"rustypotato/server/servertest"
)

// The README's CLI example runs as shown: each one-shot line
// "go run ./cmd/rustypotato-cli ARGS  # -> OUTPUT" prints OUTPUT on a
// terminal (array items joined on one line), against a RustyPotato
// server.
func TestREADMECLIExample(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "\n## CLI\n")
	if !ok {
		t.Fatal("README.md has no CLI section")
	}
	_, block, _ := strings.Cut(section, "```sh\n")
	block, _, _ = strings.Cut(block, "```")
	srv := servertest.New(t)
	_, port, _ := net.SplitHostPort(srv.Addr)
	ran := 0
	for _, line := range strings.Split(strings.TrimSpace(block), "\n") {
		cmd, want, ok := strings.Cut(line, "# -> ")
		if !ok {
			continue
		}
		args := strings.Fields(strings.TrimPrefix(strings.TrimSpace(cmd), "go run ./cmd/rustypotato-cli"))
		// The README shows a terminal's output; the test's is a buffer.
		if !strings.Contains(cmd, "--raw") {
			args = append([]string{"--no-raw"}, args...)
		}
		out, errOut, code := runCLI(t, "", append([]string{"-p", port}, args...)...)
		got := strings.Join(strings.Split(strings.TrimSuffix(out, "\n"), "\n"), " ")
		if got != strings.TrimSpace(want) || errOut != "" || code != 0 {
			t.Errorf("%s: printed %q (stderr %q, exit %d), README says %q", strings.TrimSpace(cmd), got, errOut, code, want)
		}
		ran++
	}
	if ran < 4 {
		t.Fatalf("only %d commands with '# -> output' in the README's CLI example", ran)
	}
}
