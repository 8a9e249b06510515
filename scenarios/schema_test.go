package scenarios_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/repairgym/repairgym/scenarios"
)

// The published JSON Schema gives supervisors completion and checking in
// their editors; it must accept what the parser accepts and reject what it
// rejects, at least for the library and the common mistakes.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("the schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("scenario.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("scenario.schema.json")
	if err != nil {
		t.Fatalf("the schema does not compile: %v", err)
	}
	return s
}

// asJSON turns YAML into the JSON value a schema checker sees.
func asJSON(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSchemaAcceptsTheLibrary(t *testing.T) {
	schema := compileSchema(t)
	entries, err := fs.ReadDir(scenarios.Library(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		src, _ := fs.ReadFile(scenarios.Library(), e.Name())
		if err := schema.Validate(asJSON(t, src)); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
	if err := schema.Validate(asJSON(t, []byte(base))); err != nil {
		t.Errorf("the test scenario: %v", err)
	}
}

func TestSchemaRejectsCommonMistakes(t *testing.T) {
	schema := compileSchema(t)
	tests := []struct{ name, old, new string }{
		{"unknown field", "max_turns: 4", "max_turns: 4\nmax_turn: 3"},
		{"missing field", "summary: A small scenario for tests.\n", ""},
		{"bad difficulty", "difficulty: beginner", "difficulty: easy"},
		{"one client wording", "      - Late again.\n", ""},
		{"bad threshold", `{exploration: ">=3"}`, `{exploration: "high"}`},
		{"unknown transition field", "        to: calmer", "        to: calmer\n        if: maybe"},
		{"stage named like an ending", "  calmer:", "  repaired:"},
		{"missing ending", "  unrepaired:\n    client: [Whatever.]\n", ""},
	}
	for _, tt := range tests {
		src := strings.Replace(base, tt.old, tt.new, 1)
		if _, problems := scenarios.Parse("x.yaml", []byte(src), scale()); len(problems) == 0 {
			t.Fatalf("%s: the parser accepts it, so the case is wrong", tt.name)
		}
		if err := schema.Validate(asJSON(t, []byte(src))); err == nil {
			t.Errorf("%s: the schema accepts what the parser rejects", tt.name)
		}
	}
}

// The schema lists the marker subtypes for editors; it must list the ones
// the parser accepts.
func TestSchemaMarkerSubtypes(t *testing.T) {
	data, err := os.ReadFile("scenario.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs struct {
			Marker struct {
				OneOf []struct {
					OneOf []struct {
						Properties struct {
							Type    struct{ Const string }
							Subtype struct{ Enum []string }
						}
					}
				}
			}
		} `json:"$defs"`
	}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, alt := range schema.Defs.Marker.OneOf {
		for _, typ := range alt.OneOf {
			got[typ.Properties.Type.Const] = typ.Properties.Subtype.Enum
		}
	}
	for typ, want := range scenarios.Subtypes {
		if strings.Join(got[typ], ",") != strings.Join(want, ",") {
			t.Errorf("schema lists %s subtypes %v, the parser %v", typ, got[typ], want)
		}
	}
	if len(got) != len(scenarios.Subtypes) {
		t.Errorf("schema lists rupture types %v", got)
	}
}
