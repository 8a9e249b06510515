package scenarios

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// Graph drawing sizes, in SVG user units.
const (
	nodeW, nodeH = 168, 46
	colGap       = 110 // between columns, where the edge labels go
	rowGap       = 48
	margin       = 24
	loopRoom     = 40 // above the top row, for edges drawn over it
)

// WriteSVG draws the scenario's stage graph: stages in columns by how
// many responses it takes to reach them, the endings last, and an arrow
// for every target a stage can lead to, labelled with the conditions of
// the transitions that lead there. Stages are coloured by their marker.
// Every piece of text is escaped: the drawing is served to browsers.
func WriteSVG(w io.Writer, s *Scenario) error {
	g := layout(s)
	b := bufio.NewWriter(w)
	fmt.Fprintf(b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="graph-title" font-family="system-ui, sans-serif" font-size="12">`+"\n", g.width, g.height, g.width, g.height)
	fmt.Fprintf(b, `<title id="graph-title">%s</title>`+"\n", esc(fmt.Sprintf("Stages of %s (version %d)", s.Title, s.Version)))
	b.WriteString(`<style>
.stage rect{fill:#fff;stroke:#555;stroke-width:1.2}
.stage.confrontation rect{fill:#fde8e1;stroke:#b5523b}
.stage.withdrawal rect{fill:#e3ecf8;stroke:#3f67a8}
.stage.ordinary rect{fill:#eef3ea;stroke:#5d7a4f}
.stage.unmarked rect{stroke-dasharray:4 3}
.stage.start rect{stroke-width:2.6}
.ending rect{fill:#f4f4f4;stroke:#333;stroke-width:1.6}
.ending.repaired rect{fill:#dff3e4;stroke:#2e7d45}
.ending.unrepaired rect{fill:#f9e0e0;stroke:#a33}
.id{font-weight:600}
.sub{fill:#444;font-size:10.5px}
.edge{fill:none;stroke:#888;stroke-width:1.3}
.better .edge{stroke:#2e7d45}
.worse .edge{stroke:#b5523b}
.label{fill:#333;font-size:10.5px}
.label-bg{fill:#fff;opacity:.85}
</style>
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#666"/></marker></defs>
`)
	for _, e := range g.edges {
		writeEdge(b, g, e)
	}
	for _, n := range g.nodes {
		writeNode(b, n)
	}
	b.WriteString("</svg>\n")
	return b.Flush()
}

type gnode struct {
	id       string
	class    string
	sub      string
	tip      string
	col, row int
	x, y     int
}

type gedge struct {
	from, to string
	label    string
	// kind is "better" when every transition to the target asks for
	// scores at or above a level, "worse" when every one asks for scores
	// at or below one, and "" otherwise.
	kind string
}

type graph struct {
	nodes         []*gnode
	byID          map[string]*gnode
	edges         []gedge
	width, height int
}

// layout places stages in columns by their distance from the opening,
// over every transition, and stages no path reaches in a column of their
// own after the rest; the endings share the last column.
func layout(s *Scenario) *graph {
	g := &graph{byID: map[string]*gnode{}}
	col := map[string]int{}
	if len(s.Stages) > 0 {
		col[s.Start().ID] = 0
		queue := []string{s.Start().ID}
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			for _, t := range s.Stage(id).Transitions {
				if _, seen := col[t.To]; !seen && !IsEnding(t.To) && s.Stage(t.To) != nil {
					col[t.To] = col[id] + 1
					queue = append(queue, t.To)
				}
			}
		}
	}
	last := 0
	for _, c := range col {
		last = max(last, c)
	}
	unreached := last + 1
	rows := map[int]int{}
	place := func(n *gnode, c int) {
		n.col, n.row = c, rows[c]
		rows[c]++
		g.nodes = append(g.nodes, n)
		g.byID[n.id] = n
	}
	anyUnreached := false
	for _, st := range s.Stages {
		n := &gnode{id: st.ID, class: "stage " + markerClass(st.Marker), sub: markerText(st.Marker), tip: st.Direction}
		if st == s.Start() {
			n.class += " start"
		}
		c, ok := col[st.ID]
		if !ok {
			c, anyUnreached = unreached, true
			n.sub = "never reached"
		}
		place(n, c)
	}
	endCol := last + 1
	if anyUnreached {
		endCol++
	}
	for _, name := range []string{Repaired, Unrepaired} {
		n := &gnode{id: name, class: "ending " + name, sub: "ending"}
		if e := s.Endings[name]; e != nil {
			n.sub = "ending · " + markerText(e.Marker)
		}
		place(n, endCol)
	}

	tallest := 0
	for _, r := range rows {
		tallest = max(tallest, r)
	}
	for _, n := range g.nodes {
		// Centre each column vertically against the tallest.
		offset := (tallest - rows[n.col]) * (nodeH + rowGap) / 2
		n.x = margin + n.col*(nodeW+colGap)
		n.y = margin + loopRoom + offset + n.row*(nodeH+rowGap)
	}
	g.width = 2*margin + (endCol+1)*nodeW + endCol*colGap
	g.height = 2*margin + loopRoom + tallest*nodeH + (tallest-1)*rowGap

	for _, st := range s.Stages {
		var order []string
		labels := map[string][]string{}
		kinds := map[string]string{}
		for _, t := range st.Transitions {
			if g.byID[t.To] == nil {
				continue
			}
			k := direction(t)
			if _, seen := labels[t.To]; !seen {
				order = append(order, t.To)
				kinds[t.To] = k
			} else if kinds[t.To] != k {
				kinds[t.To] = ""
			}
			labels[t.To] = append(labels[t.To], conditionText(t))
		}
		for _, to := range order {
			g.edges = append(g.edges, gedge{from: st.ID, to: to, label: strings.Join(labels[to], " or "), kind: kinds[to]})
		}
	}
	return g
}

// direction says whether a transition is taken on a better or a worse
// response: every condition a floor, or every one a ceiling.
func direction(t Transition) string {
	if len(t.When) == 0 {
		return ""
	}
	floors, ceilings := 0, 0
	for _, c := range t.When {
		switch c.Op {
		case ">=", ">":
			floors++
		case "<=", "<":
			ceilings++
		}
	}
	switch len(t.When) {
	case floors:
		return "better"
	case ceilings:
		return "worse"
	}
	return ""
}

func markerClass(m *Marker) string {
	switch {
	case m == nil:
		return "unmarked"
	case !m.IsRupture():
		return "ordinary"
	}
	return m.Type
}

func markerText(m *Marker) string {
	switch {
	case m == nil:
		return "no marker"
	case !m.IsRupture():
		return "ordinary"
	}
	return m.Subtype
}

// conditionText abbreviates a transition's conditions for a label:
// "V≥3 N≥3", or "otherwise" for the default.
func conditionText(t Transition) string {
	if len(t.When) == 0 {
		return "otherwise"
	}
	parts := make([]string, len(t.When))
	for i, c := range t.When {
		parts[i] = abbreviate(c.Criterion) + symbol(c.Op) + fmt.Sprint(c.Value)
	}
	return strings.Join(parts, " ")
}

func abbreviate(criterion string) string {
	switch criterion {
	case "validation":
		return "V"
	case "non_defensiveness":
		return "N"
	case "exploration":
		return "E"
	}
	return criterion
}

func symbol(op string) string {
	switch op {
	case ">=":
		return "≥"
	case "<=":
		return "≤"
	case "==":
		return "="
	}
	return op
}

func writeNode(b *bufio.Writer, n *gnode) {
	fmt.Fprintf(b, `<g class="%s" data-id="%s"><rect x="%d" y="%d" width="%d" height="%d" rx="8"/>`, esc(n.class), esc(n.id), n.x, n.y, nodeW, nodeH)
	if n.tip != "" {
		fmt.Fprintf(b, `<title>%s</title>`, esc(n.tip))
	}
	fmt.Fprintf(b, `<text class="id" x="%d" y="%d" text-anchor="middle">%s</text>`, n.x+nodeW/2, n.y+19, esc(n.id))
	fmt.Fprintf(b, `<text class="sub" x="%d" y="%d" text-anchor="middle">%s</text>`, n.x+nodeW/2, n.y+35, esc(n.sub))
	if strings.Contains(n.class, "start") {
		fmt.Fprintf(b, `<text class="sub" x="%d" y="%d">start</text>`, n.x, n.y-5)
	}
	b.WriteString("</g>\n")
}

// writeEdge draws forward edges as gentle curves from the right side of
// one box to the left of the next; edges within a column as bows beside
// it, downward ones on the right and upward ones on the left, wider the
// further they go, so that they do not cross the boxes; and edges back to
// an earlier column as arches over the top.
func writeEdge(b *bufio.Writer, g *graph, e gedge) {
	from, to := g.byID[e.from], g.byID[e.to]
	var p [4][2]int // a cubic Bézier: start, two controls, end
	switch {
	case from == to:
		x, y := from.x+nodeW/2, from.y
		p = [4][2]int{{x - 20, y}, {x - 40, y - 34}, {x + 40, y - 34}, {x + 20, y}}
	case to.col == from.col:
		x, bow := from.x+nodeW, 30+22*abs(to.row-from.row)
		if to.row < from.row {
			x, bow = from.x, -bow
		}
		y1, y2 := from.y+nodeH/2+6, to.y+nodeH/2-6
		if to.row < from.row {
			y1, y2 = y1-12, y2+12
		}
		p = [4][2]int{{x, y1}, {x + bow, y1}, {x + bow, y2}, {x, y2}}
	case to.col > from.col:
		x1, y1 := from.x+nodeW, from.y+nodeH/2
		x2, y2 := to.x, to.y+nodeH/2
		mx := (x1 + x2) / 2
		p = [4][2]int{{x1, y1}, {mx, y1}, {mx, y2}, {x2, y2}}
	default:
		x1, y1 := from.x+nodeW/2, from.y
		x2, y2 := to.x+nodeW/2, to.y
		top := min(y1, y2) - 30
		p = [4][2]int{{x1, y1}, {x1, top}, {x2, top}, {x2, y2}}
	}
	d := fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", p[0][0], p[0][1], p[1][0], p[1][1], p[2][0], p[2][1], p[3][0], p[3][1])
	// The label sits a little way along the edge, near the stage it
	// leaves, so that a stage's labels read as its list of transitions.
	lx, ly := bezier(p, 0.5)
	if from.col != to.col {
		lx, ly = bezier(p, 0.3)
	}
	ly += 4
	class := "transition"
	if e.kind != "" {
		class += " " + e.kind
	}
	fmt.Fprintf(b, `<g class="%s" data-from="%s" data-to="%s"><path class="edge" d="%s" marker-end="url(#arrow)"/>`, esc(class), esc(e.from), esc(e.to), d)
	w := 6*len([]rune(e.label)) + 6
	fmt.Fprintf(b, `<rect class="label-bg" x="%d" y="%d" width="%d" height="14" rx="3"/>`, lx-w/2, ly-11, w)
	fmt.Fprintf(b, `<text class="label" x="%d" y="%d" text-anchor="middle">%s</text></g>`+"\n", lx, ly, esc(e.label))
}

func bezier(p [4][2]int, t float64) (int, int) {
	u := 1 - t
	at := func(i int) int {
		return int(u*u*u*float64(p[0][i]) + 3*u*u*t*float64(p[1][i]) + 3*u*t*t*float64(p[2][i]) + t*t*t*float64(p[3][i]))
	}
	return at(0), at(1)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func esc(s string) string {
	var sb strings.Builder
	xml.EscapeText(&sb, []byte(s))
	return sb.String()
}
