package chart_test

import (
	"bytes"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/repairgym/repairgym/web/chart"
)

var examples = flag.String("examples", "", "write example charts into this folder, to look at")

type drawing interface{ SVG(io.Writer) error }

// node is an element of a parsed drawing, with its direct text.
type node struct {
	name     string
	attr     map[string]string
	text     string
	parent   *node
	children []*node
}

func (n *node) find(match func(*node) bool) []*node {
	var out []*node
	for _, c := range n.children {
		if match(c) {
			out = append(out, c)
		}
		out = append(out, c.find(match)...)
	}
	return out
}

func (n *node) byName(name string) []*node {
	return n.find(func(c *node) bool { return c.name == name })
}

func (n *node) byClass(class string) []*node {
	return n.find(func(c *node) bool {
		for _, f := range strings.Fields(c.attr["class"]) {
			if f == class {
				return true
			}
		}
		return false
	})
}

// title is the text of an element's <title> child.
func (n *node) title() string {
	for _, c := range n.children {
		if c.name == "title" {
			return c.text
		}
	}
	return ""
}

// render draws a chart, checks what every drawing must be, and returns
// its bytes and its parsed root.
func render(t *testing.T, c drawing) ([]byte, *node) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.SVG(&buf); err != nil {
		t.Fatal(err)
	}
	svg := buf.Bytes()
	root := parse(t, svg)
	checkSafe(t, svg, root)
	checkAccessible(t, root)
	again := new(bytes.Buffer)
	if err := c.SVG(again); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(svg, again.Bytes()) {
		t.Errorf("two renders of the same chart differ:\n%s\n%s", svg, again)
	}
	return svg, root
}

// parse reads a drawing as XML, which fails on anything left unescaped.
func parse(t *testing.T, svg []byte) *node {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(svg))
	doc := &node{}
	cur := doc
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the drawing is not well-formed XML: %v\n%s", err, svg)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			n := &node{name: tok.Name.Local, attr: map[string]string{}, parent: cur}
			for _, a := range tok.Attr {
				key := a.Name.Local
				if a.Name.Space != "" {
					key = a.Name.Space + ":" + key
				}
				n.attr[key] = a.Value
			}
			if cur == doc && tok.Name.Space != "http://www.w3.org/2000/svg" {
				t.Errorf("root element in namespace %q, want the SVG namespace", tok.Name.Space)
			}
			cur.children = append(cur.children, n)
			cur = n
		case xml.EndElement:
			cur = cur.parent
		case xml.CharData:
			cur.text += string(tok)
		}
	}
	if len(doc.children) != 1 || doc.children[0].name != "svg" {
		t.Fatalf("want one <svg> root, got %d elements\n%s", len(doc.children), svg)
	}
	return doc.children[0]
}

// checkSafe fails on anything that could run, load or restyle: the
// app's CSP allows neither <style> nor style="".
func checkSafe(t *testing.T, svg []byte, root *node) {
	t.Helper()
	lower := strings.ToLower(string(svg))
	for _, bad := range []string{"<script", "<style", "<foreignobject", "style=", "javascript:", "href", "url("} {
		if strings.Contains(lower, bad) {
			t.Errorf("the drawing contains %q:\n%s", bad, svg)
		}
	}
	all := append([]*node{root}, root.find(func(*node) bool { return true })...)
	allowed := map[string]bool{"svg": true, "title": true, "desc": true, "g": true, "rect": true, "circle": true, "path": true, "line": true, "polyline": true, "text": true}
	for _, n := range all {
		if !allowed[n.name] {
			t.Errorf("unexpected element <%s>", n.name)
		}
		for k := range n.attr {
			if strings.HasPrefix(strings.ToLower(k), "on") || k == "style" {
				t.Errorf("<%s> has attribute %s", n.name, k)
			}
			if v := n.attr[k]; k != "id" && k != "aria-labelledby" && (strings.Contains(v, "NaN") || strings.Contains(v, "Inf")) {
				t.Errorf("<%s %s=%q>: not a number", n.name, k, v)
			}
		}
	}
}

// checkAccessible checks the root's size and that its accessible name
// and description point at its own <title> and <desc>.
func checkAccessible(t *testing.T, root *node) {
	t.Helper()
	for _, a := range []string{"viewBox", "width", "height"} {
		if root.attr[a] == "" {
			t.Errorf("the root has no %s", a)
		}
	}
	if root.attr["role"] != "img" {
		t.Errorf("role = %q, want img", root.attr["role"])
	}
	ids := strings.Fields(root.attr["aria-labelledby"])
	if len(ids) != 2 {
		t.Fatalf("aria-labelledby = %q, want a title and a desc", root.attr["aria-labelledby"])
	}
	for i, want := range []string{"title", "desc"} {
		if len(root.children) < 2 || root.children[i].name != want {
			t.Fatalf("child %d of the root is not <%s>", i, want)
		}
		el := root.children[i]
		if el.attr["id"] != ids[i] {
			t.Errorf("<%s> id = %q, aria-labelledby names %q", want, el.attr["id"], ids[i])
		}
		if strings.TrimSpace(el.text) == "" {
			t.Errorf("<%s> is empty", want)
		}
	}
}

func translate(t *testing.T, n *node) (x, y float64) {
	t.Helper()
	if _, err := fmt.Sscanf(n.attr["transform"], "translate(%g,%g)", &x, &y); err != nil {
		t.Fatalf("marker transform %q: %v", n.attr["transform"], err)
	}
	return x, y
}

func attrFloat(t *testing.T, n *node, name string) float64 {
	t.Helper()
	v, err := strconv.ParseFloat(n.attr[name], 64)
	if err != nil {
		t.Fatalf("<%s %s=%q>: %v", n.name, name, n.attr[name], err)
	}
	return v
}

func texts(nodes []*node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.text
	}
	return out
}

func day(d int) time.Time { return time.Date(2025, time.January, d, 14, 0, 0, 0, time.UTC) }

func scores() chart.Lines {
	mk := func(ys ...float64) []chart.Point {
		var ps []chart.Point
		for i, y := range ys {
			ps = append(ps, chart.Point{X: day(2 + 7*i), Y: y, Label: fmt.Sprintf("Late again, %s", day(2+7*i).Format("2 Jan"))})
		}
		return ps
	}
	return chart.Lines{
		Title:  "Mean score per criterion",
		YLabel: "Mean score (0–4)",
		YMin:   0, YMax: 4,
		Series: []chart.Series{
			{Name: "Validation", Points: mk(1.5, 2, 2.7, 3.3)},
			{Name: "Non-defensiveness", Points: mk(1, 1.3, 2, 2.5)},
			{Name: "Exploration", Points: mk(0.5, 1, 1.7, 2)},
		},
	}
}

func TestLinesDrawsEverySeriesDistinctly(t *testing.T) {
	_, root := render(t, scores())
	if n := len(root.byName("polyline")); n != 3 {
		t.Errorf("%d polylines, want 3", n)
	}
	if n := len(root.byClass("marker")); n != 12 {
		t.Errorf("%d markers, want 12", n)
	}
	if n := len(root.byClass("legend-item")); n != 3 {
		t.Errorf("%d legend entries, want 3", n)
	}
	shapes, dashes, colours := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, s := range root.byClass("series") {
		shapes[s.attr["data-shape"]] = true
		for _, p := range s.byName("polyline") {
			dashes[p.attr["stroke-dasharray"]] = true
			colours[p.attr["stroke"]] = true
		}
	}
	if len(shapes) != 3 || len(dashes) != 3 || len(colours) != 3 {
		t.Errorf("series not distinct: shapes %v, dashes %v, colours %v", shapes, dashes, colours)
	}
	tip := root.byClass("marker")[0].title()
	if want := "Validation — Late again, 2 Jan: 1.5"; tip != want {
		t.Errorf("first tooltip = %q, want %q", tip, want)
	}
	if got := texts(root.byClass("y-label")); len(got) != 1 || got[0] != "Mean score (0–4)" {
		t.Errorf("Y label = %q", got)
	}
	desc := root.children[1].text
	if !strings.Contains(desc, "Validation: 4 values from 2 Jan 2025 to 23 Jan 2025; first 1.5, latest 3.3.") {
		t.Errorf("generated description = %q", desc)
	}
}

func TestLinesPlacesPointsByTimeAndValue(t *testing.T) {
	c := chart.Lines{Title: "t", YMin: 0, YMax: 4, Series: []chart.Series{{Name: "V", Points: []chart.Point{
		// Out of order, and unevenly spaced in time.
		{X: day(20), Y: 2},
		{X: day(1), Y: 1},
		{X: day(3), Y: 3},
	}}}}
	_, root := render(t, c)
	markers := root.byClass("marker")
	if len(markers) != 3 {
		t.Fatalf("%d markers, want 3", len(markers))
	}
	var xs, ys []float64
	for _, m := range markers {
		x, y := translate(t, m)
		xs, ys = append(xs, x), append(ys, y)
	}
	// In time order: day 1 (1), day 3 (3), day 20 (2).
	if !(xs[0] < xs[1] && xs[1] < xs[2]) {
		t.Errorf("x not increasing with time: %v", xs)
	}
	if gapEarly, gapLate := xs[1]-xs[0], xs[2]-xs[1]; gapLate < 5*gapEarly {
		t.Errorf("x not proportional to time: gaps %v then %v for 2 and 17 days", gapEarly, gapLate)
	}
	if !(ys[1] < ys[2] && ys[2] < ys[0]) {
		t.Errorf("y not decreasing with value (1, 3, 2): %v", ys)
	}
	var pts []string
	for i := range xs {
		pts = append(pts, strconv.FormatFloat(xs[i], 'f', -1, 64)+","+strconv.FormatFloat(ys[i], 'f', -1, 64))
	}
	if got := root.byName("polyline")[0].attr["points"]; got != strings.Join(pts, " ") {
		t.Errorf("polyline %q does not join the markers %q", got, strings.Join(pts, " "))
	}
}

func TestLinesTicks(t *testing.T) {
	cases := []struct {
		name       string
		yMin, yMax float64
		ys         []float64
		want       string
	}{
		{"score range", 0, 4, []float64{1, 2.5}, "0 1 2 3 4"},
		{"rates from the data", 0, 0, []float64{0.25, 0.8}, "0.0 0.2 0.4 0.6 0.8"},
		{"counts from the data", 0, 0, []float64{3, 17}, "0 5 10 15 20"},
		{"a value above the range widens it", 0, 4, []float64{1, 5.5}, "0 2 4 6"},
		{"equal values", 0, 0, []float64{2, 2}, "0.0 0.5 1.0 1.5 2.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var ps []chart.Point
			for i, y := range tc.ys {
				ps = append(ps, chart.Point{X: day(1 + i), Y: y})
			}
			_, root := render(t, chart.Lines{Title: "t", YMin: tc.yMin, YMax: tc.yMax, Series: []chart.Series{{Points: ps}}})
			axis := root.byClass("y-axis")[0]
			ticks := axis.byClass("tick")
			if got := strings.Join(texts(ticks), " "); got != tc.want {
				t.Errorf("ticks %q, want %q", got, tc.want)
			}
			for i := 1; i < len(ticks); i++ {
				if attrFloat(t, ticks[i], "y") >= attrFloat(t, ticks[i-1], "y") {
					t.Errorf("tick %s not above tick %s", ticks[i].text, ticks[i-1].text)
				}
			}
		})
	}
}

func TestLinesDateLabels(t *testing.T) {
	c := chart.Lines{Title: "t", Series: []chart.Series{{Points: []chart.Point{
		{X: day(2), Y: 1}, {X: day(2).Add(time.Hour), Y: 2}, {X: day(16), Y: 3}, {X: day(30), Y: 2},
	}}}}
	_, root := render(t, c)
	if got := strings.Join(texts(root.byClass("x-axis")[0].byClass("tick")), "|"); got != "2 Jan|16 Jan|30 Jan" {
		t.Errorf("date labels %q", got)
	}
	// With no series name there is no legend, and the tooltip falls
	// back to the date.
	if n := len(root.byClass("legend-item")); n != 0 {
		t.Errorf("%d legend entries for one unnamed series", n)
	}
	if tip := root.byClass("marker")[0].title(); tip != "2 Jan 2025: 1.0" {
		t.Errorf("tooltip %q", tip)
	}

	// Across a new year, the year is written; crowded days are thinned
	// but the first and the latest are kept.
	var ps []chart.Point
	start := time.Date(2024, time.December, 20, 9, 0, 0, 0, time.UTC)
	for i := 0; i < 40; i++ {
		ps = append(ps, chart.Point{X: start.AddDate(0, 0, i), Y: float64(i % 5)})
	}
	_, root = render(t, chart.Lines{Title: "t", Series: []chart.Series{{Points: ps}}})
	labels := root.byClass("x-axis")[0].byClass("tick")
	got := texts(labels)
	if len(got) < 3 || len(got) > 8 || got[0] != "20 Dec 2024" || got[len(got)-1] != "28 Jan 2025" {
		t.Errorf("date labels %q", got)
	}
	for i := 1; i < len(labels); i++ {
		if attrFloat(t, labels[i], "x")-attrFloat(t, labels[i-1], "x") < 60 {
			t.Errorf("labels %q and %q overlap", labels[i-1].text, labels[i].text)
		}
	}
}

func TestLinesOnePointAndEqualTimes(t *testing.T) {
	svg, root := render(t, chart.Lines{Title: "t", YMin: 0, YMax: 4, Series: []chart.Series{{Name: "V", Points: []chart.Point{{X: day(5), Y: 2, Label: "Late again"}}}}})
	if n := len(root.byName("polyline")); n != 0 {
		t.Errorf("%d polylines for one point", n)
	}
	markers := root.byClass("marker")
	if len(markers) != 1 {
		t.Fatalf("%d markers, want 1\n%s", len(markers), svg)
	}
	x, _ := translate(t, markers[0])
	if w := attrFloat(t, root, "width"); math.Abs(x-w/2) > w/10 {
		t.Errorf("the only point is at x=%v, want near the middle of %v", x, w)
	}
	if got := markers[0].title(); got != "V — Late again: 2.0" {
		t.Errorf("tooltip %q", got)
	}

	// Two series at the same moment: nothing divides by zero (render
	// rejects NaN and Inf in the output).
	same := []chart.Point{{X: day(5), Y: 1}, {X: day(5), Y: 3}}
	_, root = render(t, chart.Lines{Title: "t", Series: []chart.Series{{Name: "A", Points: same}, {Name: "B", Points: same[:1]}}})
	if n := len(root.byClass("marker")); n != 3 {
		t.Errorf("%d markers, want 3", n)
	}
}

func TestEmptyChartsSayNoData(t *testing.T) {
	cases := map[string]drawing{
		"no series":      chart.Lines{Title: "Scores"},
		"empty series":   chart.Lines{Title: "Scores", Series: []chart.Series{{Name: "V"}, {Name: "N", Points: []chart.Point{}}}},
		"unplaceable":    chart.Lines{Title: "Scores", Series: []chart.Series{{Name: "V", Points: []chart.Point{{Y: 2}, {X: day(1), Y: math.NaN()}, {X: day(2), Y: math.Inf(1)}}}}},
		"no bars":        chart.Bars{Title: "Repair rate"},
		"untitled lines": chart.Lines{},
		"untitled bars":  chart.Bars{},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			svg, root := render(t, c)
			if got := texts(root.byClass("no-data")); len(got) != 1 || got[0] != "No data yet" {
				t.Errorf("no-data text %q\n%s", got, svg)
			}
			if n := len(root.byClass("marker")) + len(root.byClass("bar")) + len(root.byName("polyline")); n != 0 {
				t.Errorf("%d data elements in an empty chart", n)
			}
		})
	}
}

func TestBarsClampForDrawingButStateTheValue(t *testing.T) {
	c := chart.Bars{Title: "Repair rate", Max: 1, Bars: []chart.Bar{
		{Label: "Late again", Value: 0.5, Note: "3 of 6 sessions"},
		{Label: "Over", Value: 1.5},
		{Label: "Under", Value: -0.2},
		{Label: "Zero", Value: 0, Note: "0 of 2 sessions"},
	}}
	_, root := render(t, c)
	bars, tracks := root.byClass("bar"), root.byClass("track")
	if len(bars) != 4 || len(tracks) != 4 {
		t.Fatalf("%d bars and %d tracks, want 4", len(bars), len(tracks))
	}
	full := attrFloat(t, tracks[0], "width")
	for i, want := range []float64{0.5, 1, 0, 0} {
		if got := attrFloat(t, bars[i], "width"); math.Abs(got-want*full) > 0.1 {
			t.Errorf("bar %d is %v wide, want %v of %v", i, got, want, full)
		}
	}
	if got := strings.Join(texts(root.byClass("value")), " "); got != "0.5 1.5 -0.2 0.0" {
		t.Errorf("values %q", got)
	}
	if got := strings.Join(texts(root.byClass("note")), "|"); got != "3 of 6 sessions|0 of 2 sessions" {
		t.Errorf("notes %q", got)
	}
	if got := strings.Join(texts(root.byClass("label")), "|"); got != "Late again|Over|Under|Zero" {
		t.Errorf("labels %q", got)
	}
	if got := root.byClass("row")[0].title(); got != "Late again: 0.5 (3 of 6 sessions)" {
		t.Errorf("row tooltip %q", got)
	}
	for i := 1; i < len(bars); i++ {
		if attrFloat(t, bars[i], "y") <= attrFloat(t, bars[i-1], "y") {
			t.Errorf("bar %d is not below bar %d", i, i-1)
		}
	}

	// Max 0: the largest value fills the track; a percentage format.
	pct := func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) }
	_, root = render(t, chart.Bars{Title: "r", Format: pct, Bars: []chart.Bar{{Label: "a", Value: 0.2}, {Label: "b", Value: 0.8}}})
	bars, full = root.byClass("bar"), attrFloat(t, root.byClass("track")[0], "width")
	if a, b := attrFloat(t, bars[0], "width"), attrFloat(t, bars[1], "width"); math.Abs(b-full) > 0.1 || math.Abs(a-full/4) > 0.1 {
		t.Errorf("widths %v and %v of %v, want a quarter and all", a, b, full)
	}
	if got := strings.Join(texts(root.byClass("value")), " "); got != "20% 80%" {
		t.Errorf("values %q", got)
	}

	// All zeros: nothing divides by zero.
	_, root = render(t, chart.Bars{Title: "r", Bars: []chart.Bar{{Label: "a"}, {Label: "b", Value: math.NaN()}}})
	for _, b := range root.byClass("bar") {
		if attrFloat(t, b, "width") != 0 {
			t.Errorf("a bar of zero or NaN has width %s", b.attr["width"])
		}
	}
}

func TestLongLabelsAreTruncatedButKept(t *testing.T) {
	long := "A scenario with a very long name that would run over the bars and into the values beside them"
	_, root := render(t, chart.Bars{Title: "r", Width: 480, Bars: []chart.Bar{{Label: long, Value: 1, Note: "a note that is also rather longer than the room it has"}}})
	label := root.byClass("label")[0].text
	if !strings.HasSuffix(label, "…") || len([]rune(label)) >= len([]rune(long)) || !strings.HasPrefix(long, strings.TrimSuffix(label, "…")) {
		t.Errorf("drawn label %q", label)
	}
	if note := root.byClass("note")[0].text; !strings.HasSuffix(note, "…") {
		t.Errorf("drawn note %q", note)
	}
	if tip := root.byClass("row")[0].title(); !strings.Contains(tip, long) {
		t.Errorf("tooltip %q lacks the full label", tip)
	}

	_, root = render(t, chart.Lines{Title: "t", Series: []chart.Series{{Name: long, Points: []chart.Point{{X: day(1), Y: 1}}}}})
	item := root.byClass("legend-item")[0]
	if shown := item.byName("text")[0].text; !strings.HasSuffix(shown, "…") {
		t.Errorf("legend shows %q", shown)
	}
	if item.title() != long {
		t.Errorf("legend tooltip %q", item.title())
	}
	if !strings.HasPrefix(root.byClass("marker")[0].title(), long+" — ") {
		t.Errorf("marker tooltip %q", root.byClass("marker")[0].title())
	}
}

func TestHostileTextStaysText(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`"><svg onload=alert(1)>`,
		`' onmouseover='alert(1)`,
		`Tom & Jerry's "repair" <b>`,
		"line\nbreak\tand \x00 control",
	}
	for _, h := range hostile {
		t.Run(h, func(t *testing.T) {
			format := func(float64) string { return h }
			svg, root := render(t, chart.Lines{
				Title: h, Desc: h, YLabel: h, ID: h, Format: format,
				Series: []chart.Series{{Name: h, Points: []chart.Point{{X: day(1), Y: 1, Label: h}, {X: day(2), Y: 2, Label: h}}}},
			})
			want := strings.ReplaceAll(h, "\x00", "\uFFFD")
			if root.children[0].text != want || root.children[1].text != want {
				t.Errorf("title %q, desc %q, want %q", root.children[0].text, root.children[1].text, want)
			}
			if tip := root.byClass("marker")[0].title(); tip != want+" — "+want+": "+want {
				t.Errorf("tooltip %q", tip)
			}
			if strings.Contains(string(svg), h) && strings.ContainsAny(h, `<>&"'`) {
				t.Errorf("%q appears unescaped", h)
			}

			svg, root = render(t, chart.Bars{Title: h, ID: h, Format: format, Bars: []chart.Bar{{Label: h, Value: 1, Note: h}}})
			if root.children[0].text != want {
				t.Errorf("title %q", root.children[0].text)
			}
			if tip := root.byClass("row")[0].title(); tip != want+": "+want+" ("+want+")" {
				t.Errorf("tooltip %q", tip)
			}
			if strings.Contains(string(svg), h) && strings.ContainsAny(h, `<>&"'`) {
				t.Errorf("%q appears unescaped", h)
			}
		})
	}
}

func TestIDsDifferBetweenCharts(t *testing.T) {
	_, a := render(t, chart.Lines{Title: "Scores"})
	_, b := render(t, chart.Bars{Title: "Scores"})
	_, c := render(t, chart.Bars{Title: "Rates"})
	_, d := render(t, chart.Bars{Title: "Rates", ID: "rates 2"})
	seen := map[string]bool{}
	for _, r := range []*node{a, b, c, d} {
		id := r.children[0].attr["id"]
		if seen[id] {
			t.Errorf("id %q used twice", id)
		}
		seen[id] = true
	}
	if got := d.attr["aria-labelledby"]; got != "rates-2-title rates-2-desc" {
		t.Errorf("explicit id gives aria-labelledby %q", got)
	}
}

// TestWriteExamples writes example drawings to look at:
// go test ./web/chart -run Examples -examples /tmp/charts
func TestWriteExamples(t *testing.T) {
	if *examples == "" {
		t.Skip("no -examples folder")
	}
	c := scores()
	c.Series[1].Points = c.Series[1].Points[:3]
	c.Series = append(c.Series, chart.Series{Name: "Recognition <practice> & \"more\"", Points: []chart.Point{{X: day(12), Y: 3.8, Label: "Silent"}}})
	bars := chart.Bars{
		Title: "Repair rate per scenario", Max: 1,
		Format: func(v float64) string { return fmt.Sprintf("%.0f%%", 100*v) },
		Bars: []chart.Bar{
			{Label: "Late again", Value: 0.6, Note: "3 of 5 sessions"},
			{Label: "The client who questions whether therapy is working at all", Value: 0.25, Note: "1 of 4 sessions"},
			{Label: "Silent withdrawal", Value: 1, Note: "2 of 2 sessions"},
			{Label: "<script>alert(1)</script>", Value: 0, Note: "0 of 1 session"},
		},
	}
	for name, d := range map[string]drawing{"lines.svg": c, "bars.svg": bars, "empty.svg": chart.Lines{Title: "Nothing"}} {
		var buf bytes.Buffer
		if err := d.SVG(&buf); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(*examples, name), buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
