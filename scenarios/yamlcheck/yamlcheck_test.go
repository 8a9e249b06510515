package yamlcheck

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDepth(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		line, col int // 0: accepted
	}{
		{"shallow", "a: [1, {b: [2]}]\n", 0, 0},
		{"deep flow", "a: " + strings.Repeat("[", 5) + strings.Repeat("]", 5) + "\n", 1, 8},
		// An apostrophe in plain text is not a quote: the brackets after
		// it still count.
		{"after an apostrophe", "note: it's\nx: " + strings.Repeat("[", 100) + "\n", 2, 8},
		{"quoted brackets", "a: \"[[[[[[\"\n", 0, 0},
		{"brackets in comments", strings.Repeat("# see [ref] [[[\n", 20) + "a: 1\n", 0, 0},
		{"dashes on one line", "- - - - - x\n", 1, 9},
		{"dashes on lines of their own", strings.Repeat("- a\n", 20), 0, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src), 4)
			var de *DepthError
			switch {
			case tt.line == 0 && errors.As(err, &de):
				t.Errorf("refused as too deep: %v", err)
			case tt.line != 0 && !errors.As(err, &de):
				t.Errorf("accepted: %v", err)
			case tt.line != 0 && (de.Line != tt.line || de.Col != tt.col):
				t.Errorf("at %d:%d, want %d:%d", de.Line, de.Col, tt.line, tt.col)
			}
		})
	}
}

func TestTabIndent(t *testing.T) {
	for _, tt := range []struct {
		src       string
		line, col int
	}{
		{"a: 1\n  b: 2\n", 0, 0},
		{"a:\n\tb: 2\n", 2, 1},
		{"a:\n  \tb: 2\n", 2, 3},
		{"a: x\tb\n", 0, 0},
	} {
		line, col, ok := TabIndent([]byte(tt.src))
		if ok != (tt.line != 0) || line != tt.line || col != tt.col {
			t.Errorf("TabIndent(%q) = %d, %d, %v; want %d, %d", tt.src, line, col, ok, tt.line, tt.col)
		}
	}
}

func TestEditDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"title", "title", 0}, {"titel", "title", 2}, {"stage", "stages", 1}, {"", "abc", 3}} {
		if got := EditDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("EditDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
