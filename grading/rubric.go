package grading

import (
	_ "embed"
	"errors"
	"fmt"
	"math"
	"regexp"

	"github.com/goccy/go-yaml"
)

// A Rubric is the scale every grader scores against and supervisors rate
// against: criteria, each with anchored levels and a weight in the overall.
type Rubric struct {
	ID       string      `yaml:"id" json:"id"`
	Title    string      `yaml:"title" json:"title"`
	Version  int         `yaml:"version" json:"version"`
	Min      int         `yaml:"min" json:"min"`
	Max      int         `yaml:"max" json:"max"`
	Criteria []Criterion `yaml:"criteria" json:"criteria"`
}

// A Criterion is one dimension of a response, scored from the rubric's Min
// to its Max.
type Criterion struct {
	ID       string  `yaml:"id" json:"id"`
	Name     string  `yaml:"name" json:"name"`
	Question string  `yaml:"question" json:"question"`
	Weight   float64 `yaml:"weight" json:"weight"`
	Levels   []Level `yaml:"levels" json:"levels"`
}

// A Level is one anchored point on a criterion's scale.
type Level struct {
	Score  int    `yaml:"score" json:"score"`
	Name   string `yaml:"name" json:"name"`
	Anchor string `yaml:"anchor" json:"anchor"`
}

// The built-in criteria. Scenarios branch on these ids and the offline
// grader knows how to score them; a program's rubric may add others.
const (
	Validation       = "validation"
	NonDefensiveness = "non_defensiveness"
	Exploration      = "exploration"
	// Overall names the weighted total, which transitions may test too.
	Overall = "overall"
)

//go:embed rubrics/default.yaml
var defaultRubricYAML []byte

// DefaultRubric returns a fresh copy of the built-in rubric.
func DefaultRubric() *Rubric {
	r, err := ParseRubric(defaultRubricYAML)
	if err != nil {
		// The file is embedded at build time and covered by tests.
		panic(fmt.Sprintf("grading: built-in rubric is invalid: %v", err))
	}
	return r
}

var criterionIDPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// ParseRubric decodes and checks a rubric written in YAML.
func ParseRubric(src []byte) (*Rubric, error) {
	var r Rubric
	if err := yaml.UnmarshalWithOptions(src, &r, yaml.DisallowUnknownField()); err != nil {
		return nil, fmt.Errorf("parse rubric: %w", err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("check rubric: %w", err)
	}
	return &r, nil
}

func (r *Rubric) check() error {
	var errs []error
	if r.ID == "" {
		errs = append(errs, errors.New("id is missing"))
	}
	if r.Max <= r.Min {
		errs = append(errs, fmt.Errorf("max (%d) must be above min (%d)", r.Max, r.Min))
	}
	if len(r.Criteria) == 0 {
		errs = append(errs, errors.New("no criteria"))
	}
	seen := map[string]bool{}
	var total float64
	for i, c := range r.Criteria {
		switch {
		case !criterionIDPattern.MatchString(c.ID):
			errs = append(errs, fmt.Errorf("criterion %d: id %q must be lowercase letters, digits and _", i+1, c.ID))
		case c.ID == Overall:
			errs = append(errs, fmt.Errorf("criterion %d: %q is reserved for the weighted total", i+1, c.ID))
		case seen[c.ID]:
			errs = append(errs, fmt.Errorf("criterion %q appears twice", c.ID))
		}
		seen[c.ID] = true
		if c.Weight < 0 || math.IsNaN(c.Weight) {
			errs = append(errs, fmt.Errorf("criterion %q: weight must not be negative", c.ID))
		}
		total += c.Weight
		if len(c.Levels) != r.Max-r.Min+1 {
			errs = append(errs, fmt.Errorf("criterion %q: needs one level for each score %d–%d", c.ID, r.Min, r.Max))
			continue
		}
		for j, l := range c.Levels {
			if l.Score != r.Min+j {
				errs = append(errs, fmt.Errorf("criterion %q: level %d has score %d, want %d", c.ID, j+1, l.Score, r.Min+j))
			}
			if l.Anchor == "" {
				errs = append(errs, fmt.Errorf("criterion %q: level %d has no anchor", c.ID, l.Score))
			}
		}
	}
	if total <= 0 {
		errs = append(errs, errors.New("weights must add up to more than zero"))
	}
	return errors.Join(errs...)
}

// Criterion returns the criterion with the given id.
func (r *Rubric) Criterion(id string) (Criterion, bool) {
	for _, c := range r.Criteria {
		if c.ID == id {
			return c, true
		}
	}
	return Criterion{}, false
}

// Scale tells scenario checking which scores a transition may test: each
// criterion's lowest and highest score, and the weighted overall's 0–100.
func (r *Rubric) Scale() map[string][2]int {
	s := make(map[string][2]int, len(r.Criteria)+1)
	for _, c := range r.Criteria {
		s[c.ID] = [2]int{r.Min, r.Max}
	}
	s[Overall] = [2]int{0, 100}
	return s
}

// Overall is the weighted mean of the scores on a 0–100 scale. Criteria
// without a score count as neither present nor zero: they are left out.
func (r *Rubric) WeightedOverall(scores map[string]Score) int {
	var sum, weights float64
	span := float64(r.Max - r.Min)
	for _, c := range r.Criteria {
		s, ok := scores[c.ID]
		if !ok {
			continue
		}
		sum += c.Weight * float64(s.Score-r.Min) / span
		weights += c.Weight
	}
	if weights == 0 {
		return 0
	}
	return int(math.Round(100 * sum / weights))
}

// Clamp keeps a score within the rubric's range.
func (r *Rubric) Clamp(score int) int {
	return min(max(score, r.Min), r.Max)
}
