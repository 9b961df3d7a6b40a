package potato_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// Every Go snippet of README.md is code that compiles and runs in this
// repository: the line before its fence names the file it is taken from,
// "<!-- compiled: PATH -->" (the whole file) or
// "<!-- compiled: PATH#NAME -->" (the lines between "// README: NAME"
// and "// README end" in PATH, unindented).
func TestREADMESnippetsCompiled(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(readme), "\n")
	found := 0
	for i := 0; i < len(lines); i++ {
		if lines[i] != "```go" {
			continue
		}
		j := i + 1
		for j < len(lines) && lines[j] != "```" {
			j++
		}
		block := strings.Join(lines[i+1:j], "\n") + "\n"
		marker := ""
		if i > 0 {
			marker = lines[i-1]
		}
		src, ok := strings.CutPrefix(marker, "<!-- compiled: ")
		src, ok2 := strings.CutSuffix(src, " -->")
		if !ok || !ok2 {
			t.Errorf("README.md:%d: a Go snippet without a <!-- compiled: PATH --> line before it", i+1)
			i = j
			continue
		}
		found++
		want, err := snippetSource(src)
		if err != nil {
			t.Errorf("README.md:%d: %v", i+1, err)
		} else if block != want {
			t.Errorf("README.md:%d: the snippet differs from %s:\n--- README\n%s--- %s\n%s", i+1, src, block, src, want)
		}
		i = j
	}
	if found == 0 {
		t.Fatal("no Go snippet found in README.md")
	}
}

// snippetSource returns the text a README marker points to.
func snippetSource(src string) (string, error) {
	path, name, region := strings.Cut(src, "#")
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		return "", err
	}
	if !region {
		return string(b), nil
	}
	var out []string
	in := false
	indent := ""
	for _, l := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimLeft(l, "\t")
		switch {
		case trimmed == "// README: "+name:
			in, indent = true, l[:len(l)-len(trimmed)]
		case in && trimmed == "// README end":
			return strings.Join(out, "\n") + "\n", nil
		case in:
			out = append(out, strings.TrimPrefix(l, indent))
		}
	}
	return "", os.ErrNotExist
}

// The docs stand alone: no link or pointer to files outside the
// repository (such as ../shared/DESIGN.md), and every relative Markdown
// link names a file that exists.
func TestDocsStandAlone(t *testing.T) {
	docs, _ := filepath.Glob("docs/*.md")
	docs = append(docs, "README.md", "BENCHMARKS.md")
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	for _, doc := range docs {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		for _, bad := range []string{"../shared", "/work/", "shared/DESIGN", "shared/STYLE"} {
			if strings.Contains(text, bad) {
				t.Errorf("%s refers to %q, which a clone does not have", doc, bad)
			}
		}
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			p := filepath.Join(filepath.Dir(doc), filepath.FromSlash(target))
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s links to %s, which does not exist", doc, target)
			}
		}
	}
}
