package grading

import (
	"math"
	"sort"
)

// Agreement says how far two raters' scores on the same items agree. Kappa
// is NaN when it is undefined: no items, or both raters gave every item
// one and the same score (there is then no disagreement to expect). When
// only one rater's scores are all alike, kappa is 0: their agreement is no
// better than chance. Spearman is NaN without items or when either
// rater's scores are all alike.
type Agreement struct {
	N int `json:"n"`
	// Exact is the share of items scored the same.
	Exact float64 `json:"exact"`
	// WithinOne is the share of items whose scores differ by at most one.
	WithinOne float64 `json:"within_one"`
	// Kappa is Cohen's quadratic-weighted kappa on the scale [lo, hi].
	Kappa float64 `json:"kappa"`
	// Spearman is the rank correlation, ties given their mean rank.
	Spearman float64 `json:"spearman"`
	// MeanDiff is the mean of a−b: positive when the first rater scores
	// higher.
	MeanDiff float64 `json:"mean_diff"`
}

// Agree compares paired scores a[i], b[i] on the integer scale [lo, hi].
// Scores outside the scale are clamped into it.
func Agree(a, b []int, lo, hi int) Agreement {
	n := min(len(a), len(b))
	ag := Agreement{N: n, Kappa: math.NaN(), Spearman: math.NaN()}
	if n == 0 {
		return ag
	}
	a, b = clampAll(a[:n], lo, hi), clampAll(b[:n], lo, hi)
	var exact, within, diff float64
	for i := range n {
		d := a[i] - b[i]
		if d == 0 {
			exact++
		}
		if d >= -1 && d <= 1 {
			within++
		}
		diff += float64(d)
	}
	ag.Exact = exact / float64(n)
	ag.WithinOne = within / float64(n)
	ag.MeanDiff = diff / float64(n)
	ag.Kappa = quadraticKappa(a, b, lo, hi)
	ag.Spearman = pearson(ranks(a), ranks(b))
	return ag
}

func clampAll(xs []int, lo, hi int) []int {
	out := make([]int, len(xs))
	for i, x := range xs {
		out[i] = min(max(x, lo), hi)
	}
	return out
}

// quadraticKappa is 1 − Σ w·O / Σ w·E with w = (i−j)², O the observed
// joint counts and E the counts expected from the two marginals alone.
func quadraticKappa(a, b []int, lo, hi int) float64 {
	k := hi - lo + 1
	n := float64(len(a))
	observed := make([]float64, k*k)
	rowA := make([]float64, k)
	colB := make([]float64, k)
	for i := range a {
		x, y := a[i]-lo, b[i]-lo
		observed[x*k+y]++
		rowA[x]++
		colB[y]++
	}
	var num, den float64
	for i := range k {
		for j := range k {
			w := float64((i - j) * (i - j))
			num += w * observed[i*k+j]
			den += w * rowA[i] * colB[j] / n
		}
	}
	if den == 0 {
		return math.NaN()
	}
	return 1 - num/den
}

// ranks returns 1-based ranks, tied values sharing the mean of their ranks.
func ranks(xs []int) []float64 {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return xs[idx[i]] < xs[idx[j]] })
	r := make([]float64, len(xs))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && xs[idx[j+1]] == xs[idx[i]] {
			j++
		}
		mean := float64(i+j)/2 + 1
		for t := i; t <= j; t++ {
			r[idx[t]] = mean
		}
		i = j + 1
	}
	return r
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}
