package grading

import (
	_ "embed"
	"fmt"
	"math"
	"regexp"
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

// ParseRubric decodes and checks a rubric written in YAML. Its error is
// Problems, listing every problem CheckRubric finds.
func ParseRubric(src []byte) (*Rubric, error) {
	r, problems := CheckRubric(src)
	if len(problems) > 0 {
		return nil, fmt.Errorf("check rubric: %w", Problems(problems))
	}
	return r, nil
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
