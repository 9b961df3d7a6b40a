// Package examples holds runnable programs (go run ./examples/NAME); this
// test builds and runs each one and checks what it prints.
package examples

import (
	"bufio"
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// build compiles ./name into a temporary directory and returns the binary.
func build(t *testing.T, name string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), name)
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "build", "-o", bin, "./"+name).CombinedOutput()
	if err != nil {
		t.Fatalf("go build ./%s: %v\n%s", name, err, out)
	}
	return bin
}

func run(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", filepath.Base(bin), err, out)
	}
	return string(out)
}

func TestExamplesOutput(t *testing.T) {
	for name, want := range map[string]string{
		"quickstart": "visits=1 name=Ada stock=9 orders=1\n",
		"branches": `diff: banner added string []
diff: price:apple changed hash [eur usd]
merged 2 keys, 0 conflicts; apple: eur=0.80 usd=1.10
banner at seq 6 (set): ALL FREE
banner at seq 4 (merge): 20% off apples
rolled back 2 changes: banner="20% off apples" pear exists=1
rollback undone: banner="ALL FREE"
`,
		"cache": `miss ada: profile of ada
hit  ada: profile of ada
miss grace: profile of grace
profile:ada expires within 300ms: true
after the TTL, 0 entries are left
miss ada: profile of ada
slow lookups: 3
after 20000 pages: data within 1048576 bytes: true, keys evicted: true
`,
		"jobqueue": "15 jobs done by 4 consumers, 0 left in the queue\n" +
			"p0-job0 p0-job1 p0-job2 p0-job3 p0-job4 p1-job0 p1-job1 p1-job2 p1-job3 p1-job4 p2-job0 p2-job1 p2-job2 p2-job3 p2-job4\n",
		"chat": `ada -> room:general reached 4 subscribers
grace -> room:general reached 4 subscribers
linus -> room:random reached 1 subscribers
ada read: ada: hello all | grace: hi ada
grace read: ada: hello all | grace: hi ada
linus read: ada: hello all | grace: hi ada
moderator (room:*) saw in room:general: ada: hello all
moderator (room:*) saw in room:general: grace: hi ada
moderator (room:*) saw in room:random: linus: anyone here?
`,
		"hooks": `hooks found at start: 0
ada's profile                  ok
a profile without a name       rejected by profile-schema: schema: at '': missing property 'name'
an age of 200                  rejected by profile-schema: schema: at '/age': maximum: got 200, want 150
a profile under another id     rejected by profile-id: profile id "ada" does not match key user:mallory
ada's e-mail                   ok
an e-mail without a domain     rejected by email-format: value does not match ^[^@\s]+@[^@\s]+\.[a-z]+$
a transaction with a bad step  rejected by profile-schema: schema: at '/name': minLength: got 0, want 1
a session                      ok
user:ada: {"id":"ada","name":"Ada","age":36}
email:ada: ada@example.com
user:bob: (none)
email:grace: (none)
session:42 expires in 30m0s
profile-schema: 5 calls, 3 rejections
email-format: 3 calls, 1 rejections
profile-id: 2 calls, 1 rejections
`,
	} {
		t.Run(name, func(t *testing.T) {
			if got := run(t, build(t, name)); got != want {
				t.Fatalf("output:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// The durable example, killed with SIGKILL while it counts, starts again
// from every increment it acknowledged.
func TestExampleDurableSurvivesKill(t *testing.T) {
	bin := build(t, "durable")
	dir := t.TempDir()
	if got := run(t, bin, "-dir", dir, "-n", "3"); got != "counter starts at 0\ncounter = 1\ncounter = 2\ncounter = 3\n" {
		t.Fatalf("first run:\n%s", got)
	}
	cmd := exec.Command(bin, "-dir", dir, "-n", "0")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	last := int64(-1)
	deadline := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "counter = "); ok {
			last, _ = strconv.ParseInt(v, 10, 64)
			if last == 50 {
				cmd.Process.Kill() // SIGKILL: no Close, no flush
				break
			}
		}
	}
	for sc.Scan() { // what it printed before it died
		if v, ok := strings.CutPrefix(sc.Text(), "counter = "); ok {
			last, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	cmd.Wait()
	if last < 50 {
		t.Fatalf("the counter never reached 50 (last %d)", last)
	}
	out := run(t, bin, "-dir", dir, "-n", "1")
	var start int64
	if _, err := fmt.Sscanf(out, "counter starts at %d", &start); err != nil {
		t.Fatalf("second run: %q", out)
	}
	// Every printed value was acknowledged; one more may have been
	// acknowledged but not printed when the kill came.
	if start < last || start > last+1 {
		t.Fatalf("after kill -9 at %d acknowledged, the counter starts at %d", last, start)
	}
}

// The hooks example, killed with SIGKILL right after it installed its
// built-in hooks, finds them all at its next start, and they still judge
// writes the same way.
func TestExampleHooksSurviveKill(t *testing.T) {
	bin := build(t, "hooks")
	dir := t.TempDir()
	cmd := exec.Command(bin, "-dir", dir, "-crash")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("-crash run: err %v, output %s", err, out)
	}
	got := run(t, bin, "-dir", dir)
	if !strings.HasPrefix(got, "hooks found at start: 6\n") || !strings.Contains(got, "an age of 200                  rejected by profile-schema") {
		t.Fatalf("after kill -9:\n%s", got)
	}
}
