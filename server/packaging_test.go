package server_test

// Packaging checks that need no Docker engine: the Dockerfile's build
// steps reproduced with the same flags, its HEALTHCHECK run against a
// live server, and docker-compose.yml validated when a compose tool is
// installed.

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"rustypotato/server/servertest"
)

// dockerfile is the parts of ../Dockerfile the checks use.
type dockerfile struct {
	env         map[string]string // ENV of the build stage
	builds      [][]string        // each `go build ...` command, as argv
	healthcheck []string          // HEALTHCHECK CMD, exec form
	cmd         []string          // CMD, exec form (the server's arguments)
	copies      []string          // COPY sources from the build context
	expose      []string
	user        string
}

// parseDockerfile reads the instructions we rely on. Continuation lines
// are joined; RUN lines are split on && into commands.
func parseDockerfile(t *testing.T, path string) dockerfile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	df := dockerfile{env: map[string]string{}}
	var lines []string
	var cur string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if cur == "" && (l == "" || strings.HasPrefix(l, "#")) {
			continue
		}
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		lines = append(lines, cur+l)
		cur = ""
	}
	stage := 0
	for _, l := range lines {
		instr, rest, _ := strings.Cut(l, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			stage++
		case "ENV":
			for _, kv := range shellWords(t, rest) {
				k, v, _ := strings.Cut(kv, "=")
				df.env[k] = v
			}
		case "RUN":
			for _, c := range strings.Split(rest, "&&") {
				w := shellWords(t, c)
				if len(w) >= 2 && w[0] == "go" && w[1] == "build" {
					df.builds = append(df.builds, w)
				}
			}
		case "HEALTHCHECK":
			_, cmd, ok := strings.Cut(rest, "CMD ")
			if !ok {
				t.Fatalf("HEALTHCHECK without CMD: %q", l)
			}
			if err := json.Unmarshal([]byte(cmd), &df.healthcheck); err != nil {
				t.Fatalf("HEALTHCHECK CMD is not exec form: %q: %v", cmd, err)
			}
		case "COPY":
			w := shellWords(t, rest)
			if len(w) > 0 && !strings.HasPrefix(w[0], "--") {
				df.copies = append(df.copies, w[:len(w)-1]...)
			}
		case "CMD":
			if err := json.Unmarshal([]byte(rest), &df.cmd); err != nil {
				t.Fatalf("CMD is not exec form: %q: %v", rest, err)
			}
		case "EXPOSE":
			df.expose = strings.Fields(rest)
		case "USER":
			df.user = rest
		}
	}
	if stage < 2 {
		t.Errorf("Dockerfile has %d stages; want a build and a runtime stage", stage)
	}
	return df
}

// shellWords splits a command line into words the way sh would for the
// simple quoting the Dockerfile uses ("..." and '...').
func shellWords(t *testing.T, s string) []string {
	var words []string
	var w strings.Builder
	in := false
	var q byte
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case q != 0 && ch == q:
			q = 0
		case q != 0:
			w.WriteByte(ch)
		case ch == '"' || ch == '\'':
			q, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				words = append(words, w.String())
				w.Reset()
				in = false
			}
		default:
			w.WriteByte(ch)
			in = true
		}
	}
	if q != 0 {
		t.Fatalf("unterminated quote in %q", s)
	}
	if in {
		words = append(words, w.String())
	}
	return words
}

// TestDockerfileBuild runs the Dockerfile's go build commands, with its
// flags and environment, into a temporary directory; then runs the
// HEALTHCHECK command line against a live server, and the built server
// with the example config.
func TestDockerfileBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries")
	}
	root, _ := filepath.Abs("..")
	df := parseDockerfile(t, filepath.Join(root, "Dockerfile"))
	if df.env["CGO_ENABLED"] != "0" {
		t.Errorf("Dockerfile ENV CGO_ENABLED = %q; want 0 (static binaries)", df.env["CGO_ENABLED"])
	}
	if df.user == "" || strings.HasPrefix(df.user, "0") || strings.HasPrefix(df.user, "root") {
		t.Errorf("Dockerfile USER = %q; want a non-root user", df.user)
	}
	if strings.Join(df.expose, " ") != "6379 9121" {
		t.Errorf("EXPOSE %v; want 6379 9121", df.expose)
	}
	for _, src := range df.copies {
		if src == "." || strings.HasPrefix(src, "/") {
			continue
		}
		for _, s := range strings.Fields(src) {
			if _, err := os.Stat(filepath.Join(root, s)); err != nil {
				t.Errorf("COPY source %s: %v", s, err)
			}
		}
	}
	out := t.TempDir()
	bins := map[string]string{}
	want := map[string]bool{"./cmd/rustypotato": true, "./cmd/rustypotato-cli": true}
	for _, argv := range df.builds {
		// Rewrite only the -o destination into our temp dir.
		args := append([]string(nil), argv[1:]...)
		pkg := args[len(args)-1]
		delete(want, pkg)
		for i := range args {
			if args[i] == "-o" && i+1 < len(args) {
				bins[filepath.Base(args[i+1])] = filepath.Join(out, filepath.Base(args[i+1]))
				args[i+1] = bins[filepath.Base(args[i+1])]
			}
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		cmd.Env = os.Environ()
		for k, v := range df.env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, b)
		}
	}
	for pkg := range want {
		t.Errorf("Dockerfile does not build %s", pkg)
	}
	// Static: no interpreter (dynamic loader) requested.
	for name, path := range bins {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b[:min(len(b), 4096)]), "/lib64/ld-linux") {
			t.Errorf("%s is dynamically linked", name)
		}
	}

	// HEALTHCHECK: the same argv, with the binary from our build and the
	// test server's port.
	if len(df.healthcheck) < 2 || filepath.Base(df.healthcheck[0]) != "rustypotato-cli" {
		t.Fatalf("HEALTHCHECK %q does not use rustypotato-cli", df.healthcheck)
	}
	srv := servertest.New(t)
	_, port, _ := strings.Cut(srv.Addr, ":")
	hc := append([]string{"-h", "127.0.0.1", "-p", port}, df.healthcheck[1:]...)
	b, err := exec.Command(bins["rustypotato-cli"], hc...).CombinedOutput()
	if err != nil || strings.TrimSpace(string(b)) != "PONG" {
		t.Errorf("healthcheck %q: %v, output %q", hc, err, b)
	}
	// Against nothing, the healthcheck must fail.
	srv.Server.Close()
	if b, err := exec.Command(bins["rustypotato-cli"], hc...).CombinedOutput(); err == nil {
		t.Errorf("healthcheck against a closed server succeeded: %q", b)
	}

	// The server starts with the image's CMD (the example config the
	// image copies in, and the container's overrides), then ours: a free
	// loopback port, a temporary dir.
	if len(df.cmd) == 0 || filepath.Base(df.cmd[0]) != "rustypotato.conf" || !slices.Contains(df.copies, "rustypotato.conf") {
		t.Fatalf("CMD %q does not start from the copied rustypotato.conf", df.cmd)
	}
	args := append([]string{filepath.Join(root, "rustypotato.conf")}, df.cmd[1:]...)
	checkConfigStarts(t, bins, args)
}

// checkConfigStarts runs the built server with args, on a free port,
// and checks the CLI can ping it and /metrics answers.
func checkConfigStarts(t *testing.T, bins map[string]string, args []string) {
	t.Helper()
	port, mport := freePort(t), freePort(t)
	dir := t.TempDir()
	conf := strings.Join(args, " ")
	srv := exec.Command(bins["rustypotato"], append(args, "--bind", "127.0.0.1", "--port", port, "--dir", dir,
		"--metrics-addr", "127.0.0.1:"+mport)...)
	var logs strings.Builder
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	for i := 0; ; i++ {
		b, err := exec.Command(bins["rustypotato-cli"], "-p", port, "ping").CombinedOutput()
		if err == nil && strings.TrimSpace(string(b)) == "PONG" {
			break
		}
		if i == 100 {
			t.Fatalf("server with %s did not answer: %v %q\nserver output:\n%s", conf, err, b, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The metrics endpoint the config's metrics-addr turns on.
	res, err := http.Get("http://127.0.0.1:" + mport + "/metrics")
	if err != nil {
		t.Fatalf("metrics endpoint: %v\nserver output:\n%s", err, logs.String())
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "\nredis_up 1\n") {
		t.Errorf("/metrics lacks redis_up 1:\n%s", body)
	}
}

// TestDockerCompose validates docker-compose.yml with whichever compose
// tool is installed (Debian's docker-compose, or the docker compose
// plugin); skips when there is none.
func TestDockerCompose(t *testing.T) {
	root, _ := filepath.Abs("..")
	var argv []string
	if p, err := exec.LookPath("docker-compose"); err == nil {
		argv = []string{p}
	} else if p, err := exec.LookPath("docker"); err == nil && exec.Command(p, "compose", "version").Run() == nil {
		argv = []string{p, "compose"}
	} else {
		t.Skip("no docker-compose or docker compose plugin")
	}
	for _, profile := range []string{"", "metrics"} {
		args := append(argv[1:], "-f", filepath.Join(root, "docker-compose.yml"))
		if profile != "" {
			args = append(args, "--profile", profile)
		}
		args = append(args, "config")
		cmd := exec.Command(argv[0], args...)
		cmd.Dir = root
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s %s: %v\n%s", argv[0], strings.Join(args, " "), err, b)
		}
		out := string(b)
		for _, want := range []string{"rustypotato", "potato-data", "/data", "6379", "9121"} {
			if !strings.Contains(out, want) {
				t.Errorf("compose config (profile %q) lacks %q:\n%s", profile, want, out)
			}
		}
		if profile == "metrics" && !regexp.MustCompile(`prometheus\.yml`).MatchString(out) {
			t.Errorf("metrics profile lacks the Prometheus scrape config:\n%s", out)
		}
	}
}
