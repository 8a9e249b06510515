package grading

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// A LabelledItem is a response with scores given by careful human reading,
// as stored in grading/testdata.
type LabelledItem struct {
	ID          string         `json:"id"`
	Split       string         `json:"split,omitempty"`
	Client      string         `json:"client"`
	RuptureType string         `json:"rupture_type,omitempty"`
	Response    string         `json:"response"`
	Labels      map[string]int `json:"labels"`
	Note        string         `json:"note,omitempty"`
}

// ReadLabelled reads labelled items, one JSON object per line. Blank lines
// are skipped; any other line that does not parse is an error naming it.
func ReadLabelled(r io.Reader) ([]LabelledItem, error) {
	var items []LabelledItem
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" {
			continue
		}
		var it LabelledItem
		if err := json.Unmarshal([]byte(text), &it); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if it.Response == "" || len(it.Labels) == 0 {
			return nil, fmt.Errorf("line %d: needs a response and labels", line)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read labelled items: %w", err)
	}
	return items, nil
}

// A Report compares a grader's scores with human labels, per criterion and
// per split of the data ("all" covers every item).
type Report struct {
	Grader string                          `json:"grader"`
	Splits map[string]map[string]Agreement `json:"splits"`
	// Misses lists the items where grader and label differ by two or more,
	// the ones worth reading.
	Misses []Miss `json:"misses,omitempty"`
}

// A Miss is one item scored far from its label.
type Miss struct {
	ID        string `json:"id"`
	Criterion string `json:"criterion"`
	Label     int    `json:"label"`
	Score     int    `json:"score"`
}

// A Scorer is what Evaluate needs of a grader.
type Scorer interface {
	Grade(ctx context.Context, in Input) (Result, error)
}

// Evaluate grades every item and compares the scores with the labels.
func Evaluate(ctx context.Context, g Scorer, r *Rubric, items []LabelledItem) (Report, []Result, error) {
	type pair struct{ label, score []int }
	bySplit := map[string]map[string]*pair{}
	add := func(split, crit string, label, score int) {
		if bySplit[split] == nil {
			bySplit[split] = map[string]*pair{}
		}
		p := bySplit[split][crit]
		if p == nil {
			p = &pair{}
			bySplit[split][crit] = p
		}
		p.label = append(p.label, label)
		p.score = append(p.score, score)
	}
	rep := Report{Splits: map[string]map[string]Agreement{}}
	results := make([]Result, len(items))
	for i, it := range items {
		res, err := g.Grade(ctx, Input{Client: it.Client, Response: it.Response, RuptureType: it.RuptureType})
		if err != nil {
			return Report{}, nil, fmt.Errorf("grade %s: %w", it.ID, err)
		}
		results[i] = res
		rep.Grader = res.Grader
		for _, c := range r.Criteria {
			label, ok := it.Labels[c.ID]
			s, scored := res.Scores[c.ID]
			if !ok || !scored {
				continue
			}
			add("all", c.ID, label, s.Score)
			if it.Split != "" {
				add(it.Split, c.ID, label, s.Score)
			}
			if d := s.Score - label; d >= 2 || d <= -2 {
				rep.Misses = append(rep.Misses, Miss{ID: it.ID, Criterion: c.ID, Label: label, Score: s.Score})
			}
		}
	}
	if len(bySplit) == 0 {
		return Report{}, nil, errors.New("evaluate: no item has labels for the rubric's criteria")
	}
	for split, crits := range bySplit {
		rep.Splits[split] = map[string]Agreement{}
		for crit, p := range crits {
			// Machine first: a positive mean difference means the
			// grader scores higher than the raters.
			rep.Splits[split][crit] = Agree(p.score, p.label, r.Min, r.Max)
		}
	}
	return rep, results, nil
}

// WriteText prints the report as a table, one row per split and criterion.
func (rep Report) WriteText(w io.Writer, r *Rubric) error {
	splits := make([]string, 0, len(rep.Splits))
	for s := range rep.Splits {
		splits = append(splits, s)
	}
	// "all" last; otherwise alphabetical, which puts test before tune.
	sort.Slice(splits, func(i, j int) bool {
		if (splits[i] == "all") != (splits[j] == "all") {
			return splits[j] == "all"
		}
		return splits[i] < splits[j]
	})
	var b strings.Builder
	fmt.Fprintf(&b, "%-6s %-18s %5s %7s %10s %7s %9s %9s\n", "split", "criterion", "n", "exact", "within-1", "kappa", "spearman", "mean-diff")
	for _, s := range splits {
		for _, c := range r.Criteria {
			ag, ok := rep.Splits[s][c.ID]
			if !ok {
				continue
			}
			fmt.Fprintf(&b, "%-6s %-18s %5d %7.3f %10.3f %7s %9s %+9.3f\n", s, c.ID, ag.N, ag.Exact, ag.WithinOne, fmtStat(ag.Kappa), fmtStat(ag.Spearman), ag.MeanDiff)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fmtStat(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.3f", x)
}
