package scenarios_test

import (
	"testing"

	"github.com/repairgym/repairgym/scenarios"
)

func TestCatalogKeepsEveryVersion(t *testing.T) {
	v1 := &scenarios.Scenario{ID: "a", Version: 1, Title: "A1"}
	v2 := &scenarios.Scenario{ID: "a", Version: 2, Title: "A2"}
	b := &scenarios.Scenario{ID: "b", Version: 3, Title: "B"}
	c := scenarios.NewCatalog(v2, b, v1)
	if s, ok := c.Latest("a"); !ok || s != v2 {
		t.Errorf("Latest(a) = %v", s)
	}
	if s, ok := c.Version("a", 1); !ok || s != v1 {
		t.Errorf("Version(a, 1) = %v", s)
	}
	if _, ok := c.Version("a", 3); ok {
		t.Error("Version(a, 3) exists")
	}
	if _, ok := c.Latest("zzz"); ok {
		t.Error("Latest of an unknown id exists")
	}
	list := c.List()
	if len(list) != 2 || list[0] != v2 || list[1] != b {
		t.Errorf("List() = %v", list)
	}
	v2b := &scenarios.Scenario{ID: "a", Version: 2, Title: "A2, edited in place"}
	c.Add(v2b)
	if s, _ := c.Latest("a"); s != v2b {
		t.Error("Add did not replace the same version")
	}
}
