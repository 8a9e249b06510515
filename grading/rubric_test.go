package grading

import (
	"strings"
	"testing"
)

func TestDefaultRubric(t *testing.T) {
	r := DefaultRubric()
	want := map[string]float64{Validation: 0.4, NonDefensiveness: 0.4, Exploration: 0.2}
	if len(r.Criteria) != len(want) {
		t.Fatalf("criteria = %d, want %d", len(r.Criteria), len(want))
	}
	for id, w := range want {
		c, ok := r.Criterion(id)
		if !ok {
			t.Fatalf("no criterion %q", id)
		}
		if c.Weight != w {
			t.Errorf("%s weight = %v, want %v", id, c.Weight, w)
		}
		if len(c.Levels) != 5 || c.Levels[4].Score != 4 {
			t.Errorf("%s levels = %+v, want 0–4", id, c.Levels)
		}
	}
}

func TestWeightedOverall(t *testing.T) {
	r := DefaultRubric()
	tests := []struct {
		v, n, e int
		want    int
	}{
		{0, 0, 0, 0},
		{4, 4, 4, 100},
		{4, 4, 0, 80},
		{2, 2, 2, 50},
		{3, 1, 2, 50}, // (0.4·3 + 0.4·1 + 0.2·2)/4 = 0.5
		{1, 0, 0, 10},
	}
	for _, tt := range tests {
		got := r.WeightedOverall(map[string]Score{
			Validation: {Score: tt.v}, NonDefensiveness: {Score: tt.n}, Exploration: {Score: tt.e},
		})
		if got != tt.want {
			t.Errorf("WeightedOverall(%d,%d,%d) = %d, want %d", tt.v, tt.n, tt.e, got, tt.want)
		}
	}
}

func TestParseRubricErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"unknown field", "id: x\nmin: 0\nmax: 4\ncolour: red\n", "unknown field \"colour\""},
		{"no criteria", "id: x\nmin: 0\nmax: 4\n", "no criteria"},
		{"bad range", "id: x\nmin: 4\nmax: 4\ncriteria: []\n", "max (4) must be above min (4)"},
		{"missing levels", "id: x\nmin: 0\nmax: 1\ncriteria:\n  - {id: warmth, weight: 1, levels: [{score: 0, anchor: cold}]}\n", "needs one level for each score 0–1"},
		{"reserved id", "id: x\nmin: 0\nmax: 1\ncriteria:\n  - {id: overall, weight: 1, levels: [{score: 0, anchor: a}, {score: 1, anchor: b}]}\n", "reserved"},
		{"zero weights", "id: x\nmin: 0\nmax: 1\ncriteria:\n  - {id: warmth, weight: 0, levels: [{score: 0, anchor: a}, {score: 1, anchor: b}]}\n", "weights must add up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRubric([]byte(tt.src))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseRubric error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
