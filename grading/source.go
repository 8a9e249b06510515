package grading

// DefaultRubricSource returns the built-in rubric's YAML as written, for
// programs that start their own rubric from it.
func DefaultRubricSource() []byte {
	return append([]byte(nil), defaultRubricYAML...)
}
