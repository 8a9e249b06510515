package grading

import (
	"math"
	"testing"
)

func TestAgree(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name                                     string
		a, b                                     []int
		lo, hi                                   int
		exact, within, kappa, spearman, meanDiff float64
	}{
		{"identical", []int{0, 1, 2, 3, 4}, []int{0, 1, 2, 3, 4}, 0, 4, 1, 1, 1, 1, 0},
		// Every cell of the 2×2 table once: agreement no better than chance.
		{"chance", []int{0, 0, 1, 1}, []int{0, 1, 0, 1}, 0, 1, 0.5, 1, 0, 0, 0},
		// Worked by hand: Σw·O = 1, Σw·E = 15/3, so κ = 1 − 1/5.
		{"one off", []int{0, 1, 2}, []int{0, 2, 2}, 0, 2, 2.0 / 3, 1, 0.8, math.Sqrt(3) / 2, -1.0 / 3},
		// Ranks 1.5, 1.5, 3 against 1, 2, 3.
		{"ties", []int{1, 1, 2}, []int{1, 2, 3}, 0, 4, 1.0 / 3, 1, 0.5, math.Sqrt(3) / 2, -2.0 / 3},
		{"reversed", []int{0, 1, 2, 3, 4}, []int{4, 3, 2, 1, 0}, 0, 4, 0.2, 0.2, -1, -1, 0},
		// A rater who gives one score to everything leaves κ and ρ undefined.
		{"constant", []int{2, 2, 2}, []int{1, 2, 3}, 0, 4, 1.0 / 3, 1, 0, nan, 0},
		{"clamped", []int{-3, 9}, []int{0, 4}, 0, 4, 1, 1, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Agree(tt.a, tt.b, tt.lo, tt.hi)
			check := func(what string, got, want float64) {
				t.Helper()
				if math.IsNaN(want) != math.IsNaN(got) || (!math.IsNaN(want) && math.Abs(got-want) > 1e-9) {
					t.Errorf("%s = %v, want %v", what, got, want)
				}
			}
			if got.N != len(tt.a) {
				t.Errorf("N = %d, want %d", got.N, len(tt.a))
			}
			check("exact", got.Exact, tt.exact)
			check("within one", got.WithinOne, tt.within)
			check("kappa", got.Kappa, tt.kappa)
			check("spearman", got.Spearman, tt.spearman)
			check("mean diff", got.MeanDiff, tt.meanDiff)
		})
	}
}

func TestAgreeEmpty(t *testing.T) {
	got := Agree(nil, nil, 0, 4)
	if got.N != 0 || !math.IsNaN(got.Kappa) || !math.IsNaN(got.Spearman) {
		t.Errorf("Agree(nil, nil) = %+v, want N 0 and undefined kappa and rho", got)
	}
}
