package scenarios

// checkGraph finds what is wrong with the stage graph as a whole: targets
// that do not exist, stages no path reaches, and stages from which no path
// leads to an ending.
func checkGraph(d *decoder, s *Scenario) {
	if len(s.Stages) == 0 {
		return
	}
	for _, st := range s.Stages {
		for _, t := range st.Transitions {
			if t.To != "" && !IsEnding(t.To) && !d.stageIDs[t.To] {
				d.errorf(t.Pos.Line, t.Pos.Col, "stage %q: transition to unknown stage %q%s", st.ID, t.To, suggest(t.To, append(sortedKeys(d.stageIDs), Repaired, Unrepaired)))
			}
		}
	}
	if len(d.problems) > 0 {
		// Reachability over a graph with broken stages or dangling edges
		// would only repeat the same mistakes in other words.
		return
	}
	byID := make(map[string]*Stage, len(s.Stages))
	for _, st := range s.Stages {
		byID[st.ID] = st
	}

	reached := map[string]bool{s.Stages[0].ID: true}
	queue := []*Stage{s.Stages[0]}
	for len(queue) > 0 {
		st := queue[0]
		queue = queue[1:]
		for _, t := range st.Transitions {
			if next, ok := byID[t.To]; ok && !reached[t.To] {
				reached[t.To] = true
				queue = append(queue, next)
			}
		}
	}
	for _, st := range s.Stages {
		if !reached[st.ID] {
			d.errorf(st.Pos.Line, st.Pos.Col, "stage %q is unreachable: no transition from %q leads to it", st.ID, s.Stages[0].ID)
		}
	}

	// Walk backwards from the endings until nothing changes.
	ends := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, st := range s.Stages {
			if ends[st.ID] {
				continue
			}
			for _, t := range st.Transitions {
				if IsEnding(t.To) || ends[t.To] {
					ends[st.ID] = true
					changed = true
					break
				}
			}
		}
	}
	for _, st := range s.Stages {
		if reached[st.ID] && !ends[st.ID] {
			d.errorf(st.Pos.Line, st.Pos.Col, "stage %q cannot reach an ending: every path from it loops among stages", st.ID)
		}
	}
}
