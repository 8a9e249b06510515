package grading

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
)

// The offline grader reads acts with patterns, and patterns miss wordings
// nobody listed. A small linear model, trained on the tune splits of the
// labelled sets in testdata, reads the same response a second way: from
// the acts the patterns found, the score the rules give, and the words and
// word pairs used. On responses written by people whose text it never saw,
// it agrees with human raters clearly better than the rules alone for
// validation and non-defensiveness, so it has the last word there; for
// exploration the rules agree better and keep it. The acts still supply the
// evidence, so every score is explained by the response's own words.

// A linearModel scores a response as a weighted sum of its features.
type linearModel struct {
	Bias    float64            `json:"bias"`
	Weights map[string]float64 `json:"weights"`
}

// A scoreModel holds one linear model per criterion it scores.
type scoreModel struct {
	// Version names the data and features the model was trained with.
	Version  string                  `json:"version"`
	Criteria map[string]*linearModel `json:"criteria"`
}

//go:embed models/scores.json
var scoreModelJSON []byte

func parseScoreModel(src []byte) (*scoreModel, error) {
	var m scoreModel
	if err := json.Unmarshal(src, &m); err != nil {
		return nil, fmt.Errorf("parse score model: %w", err)
	}
	if len(m.Criteria) == 0 {
		return nil, fmt.Errorf("parse score model: no criteria")
	}
	return &m, nil
}

// modelFeatures describes a response for the model: the rules' scores, the
// acts found, the rupture type, and the words and word pairs.
func modelFeatures(a *analysis, rules map[string]int) []string {
	feats := make([]string, 0, 64)
	ids := make([]string, 0, len(rules))
	for id := range rules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		feats = append(feats, fmt.Sprintf("rule:%s=%d", id, rules[id]))
	}
	for x := range actCount {
		if a.has(x) {
			feats = append(feats, "act:"+actNames[x])
		}
	}
	feats = append(feats, "type:"+a.rupture)
	for _, w := range textFeatures(a) {
		feats = append(feats, "w:"+w)
	}
	return feats
}

// textFeatures returns the words of the response and their adjacent
// pairs, pairs not crossing a clause boundary.
func textFeatures(a *analysis) []string {
	var feats []string
	for _, c := range a.clauses {
		words := strings.Fields(c.norm)
		for i, w := range words {
			feats = append(feats, w)
			if i > 0 {
				feats = append(feats, words[i-1]+" "+w)
			}
		}
	}
	return feats
}

// predict returns the model's score for the features, unrounded.
func (m *linearModel) predict(feats []string) float64 {
	z := m.Bias
	for _, f := range feats {
		z += m.Weights[f]
	}
	return z
}

// clauseWeight sums the weights of a clause's words and word pairs: how far
// that clause alone moves the score.
func (m *linearModel) clauseWeight(c clause) float64 {
	words := strings.Fields(c.norm)
	z := 0.0
	for i, w := range words {
		z += m.Weights["w:"+w]
		if i > 0 {
			z += m.Weights["w:"+words[i-1]+" "+w]
		}
	}
	return z
}

// A trainingExample is a response's features and its human scores.
type trainingExample struct {
	feats  []string
	scores map[string]int
}

// trainScoreModel fits one ridge regression per criterion by stochastic
// gradient descent, visiting the examples in their given order so that the
// same data always gives the same model. Features seen in fewer than
// minCount responses are left out: they would only memorise the data.
func trainScoreModel(version string, examples []trainingExample, criteria []string, epochs, minCount int, rate, l2 float64) *scoreModel {
	counts := map[string]int{}
	for _, ex := range examples {
		seen := map[string]bool{}
		for _, f := range ex.feats {
			if !seen[f] {
				seen[f] = true
				counts[f]++
			}
		}
	}
	m := &scoreModel{Version: version, Criteria: map[string]*linearModel{}}
	for _, crit := range criteria {
		lm := &linearModel{Bias: 2, Weights: map[string]float64{}}
		for e := range epochs {
			lr := rate / (1 + float64(e)/5)
			for _, ex := range examples {
				y, ok := ex.scores[crit]
				if !ok {
					continue
				}
				z := lm.Bias
				for _, f := range ex.feats {
					if counts[f] >= minCount {
						z += lm.Weights[f]
					}
				}
				g := z - float64(y)
				// The conversions round each product, so that no
				// platform fuses a multiply and an add and trains a
				// different model from the shipped one.
				lm.Bias -= float64(lr * g)
				for _, f := range ex.feats {
					if counts[f] >= minCount {
						lm.Weights[f] -= float64(lr * (g + float64(l2*lm.Weights[f])))
					}
				}
			}
		}
		for f, w := range lm.Weights {
			// Rounded as they will be stored, so that a trained model
			// and the shipped one score alike.
			w = math.Round(w*1e5) / 1e5
			if w == 0 {
				delete(lm.Weights, f)
				continue
			}
			lm.Weights[f] = w
		}
		lm.Bias = math.Round(lm.Bias*1e5) / 1e5
		m.Criteria[crit] = lm
	}
	return m
}

// marshal writes the model with keys in a stable order, one weight a line,
// so that a retrained model diffs readably.
func (m *scoreModel) marshal() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n  \"version\": %q,\n  \"criteria\": {\n", m.Version)
	crits := make([]string, 0, len(m.Criteria))
	for c := range m.Criteria {
		crits = append(crits, c)
	}
	sort.Strings(crits)
	for ci, c := range crits {
		lm := m.Criteria[c]
		fmt.Fprintf(&b, "    %q: {\n      \"bias\": %s,\n      \"weights\": {\n", c, formatWeight(lm.Bias))
		keys := make([]string, 0, len(lm.Weights))
		for k := range lm.Weights {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for i, k := range keys {
			key, _ := json.Marshal(k)
			sep := ","
			if i == len(keys)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, "        %s: %s%s\n", key, formatWeight(lm.Weights[k]), sep)
		}
		sep := ","
		if ci == len(crits)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "      }\n    }%s\n", sep)
	}
	b.WriteString("  }\n}\n")
	return []byte(b.String())
}

func formatWeight(w float64) string {
	return fmt.Sprintf("%.5f", w)
}
