package scenarios_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"

	"github.com/repairgym/repairgym/scenarios"
)

// svgParts reads a drawing as XML, which fails on anything left unescaped,
// and returns its boxes by id and its arrows as "from→to".
func svgParts(t *testing.T, svg []byte) (boxes map[string]string, arrows []string) {
	t.Helper()
	boxes = map[string]string{}
	d := xml.NewDecoder(bytes.NewReader(svg))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the drawing is not well-formed XML: %v\n%s", err, svg)
		}
		el, ok := tok.(xml.StartElement)
		if !ok || el.Name.Local != "g" {
			continue
		}
		attr := map[string]string{}
		for _, a := range el.Attr {
			attr[a.Name.Local] = a.Value
		}
		if id, ok := attr["data-id"]; ok {
			boxes[id] = attr["class"]
		}
		if from, ok := attr["data-from"]; ok {
			arrows = append(arrows, from+"→"+attr["data-to"])
		}
	}
	return boxes, arrows
}

func TestGraphDrawsEveryStageAndTarget(t *testing.T) {
	s, problems := scenarios.Parse("tiny.yaml", []byte(annotated), scale())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var buf bytes.Buffer
	if err := scenarios.WriteSVG(&buf, s); err != nil {
		t.Fatal(err)
	}
	boxes, arrows := svgParts(t, buf.Bytes())
	want := map[string]string{
		"opening":    "stage confrontation start",
		"calmer":     "stage ordinary",
		"repaired":   "ending repaired",
		"unrepaired": "ending unrepaired",
	}
	if len(boxes) != len(want) {
		t.Errorf("boxes = %v, want %v", boxes, want)
	}
	for id, class := range want {
		if boxes[id] != class {
			t.Errorf("box %q has class %q, want %q", id, boxes[id], class)
		}
	}
	// Two transitions from calmer... one to each target; a target reached
	// by several transitions gets one arrow with their conditions joined.
	wantArrows := "opening→calmer opening→unrepaired calmer→repaired calmer→unrepaired"
	if got := strings.Join(arrows, " "); got != wantArrows {
		t.Errorf("arrows = %s, want %s", got, wantArrows)
	}
	for _, label := range []string{"V≥3 N≥3", "E≥3", "otherwise"} {
		if !strings.Contains(buf.String(), ">"+label+"<") {
			t.Errorf("no label %q in the drawing", label)
		}
	}
}

func TestGraphEscapesText(t *testing.T) {
	src := strings.Replace(annotated, "title: Tiny", `title: "<script>alert(1)</script> & \"co\""`, 1)
	src = strings.Replace(src, "direction: Angry.", `direction: "</title><img src=x onerror=alert(1)>"`, 1)
	s, problems := scenarios.Parse("tiny.yaml", []byte(src), scale())
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	var buf bytes.Buffer
	if err := scenarios.WriteSVG(&buf, s); err != nil {
		t.Fatal(err)
	}
	svgParts(t, buf.Bytes())
	for _, raw := range []string{"<script", "<img"} {
		if strings.Contains(buf.String(), raw) {
			t.Errorf("the drawing holds %q unescaped", raw)
		}
	}
	if !strings.Contains(buf.String(), "&lt;script&gt;") {
		t.Error("the title is missing from the drawing")
	}
}

func TestGraphOfEveryLibraryScenario(t *testing.T) {
	set, err := scenarios.LoadFS(scenarios.Library(), ".", scale())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range set.Scenarios {
		var buf bytes.Buffer
		if err := scenarios.WriteSVG(&buf, s); err != nil {
			t.Fatal(err)
		}
		boxes, arrows := svgParts(t, buf.Bytes())
		if len(boxes) != len(s.Stages)+2 {
			t.Errorf("%s: %d boxes for %d stages and 2 endings", s.ID, len(boxes), len(s.Stages))
		}
		targets := map[string]bool{}
		for _, st := range s.Stages {
			for _, tr := range st.Transitions {
				targets[st.ID+"→"+tr.To] = true
			}
		}
		if len(arrows) != len(targets) {
			t.Errorf("%s: %d arrows for %d distinct transitions", s.ID, len(arrows), len(targets))
		}
	}
}
