package scenarios

import (
	"sort"
	"sync"
)

// A Catalog holds every version of every scenario a server knows — the
// built-in library, a program's own folder, versions saved by supervisors —
// so that a session keeps running the version it started with after the
// scenario is edited. It is safe for concurrent use.
type Catalog struct {
	mu       sync.RWMutex
	versions map[string]map[int]*Scenario
}

// NewCatalog returns a catalog holding the given scenarios.
func NewCatalog(list ...*Scenario) *Catalog {
	c := &Catalog{versions: map[string]map[int]*Scenario{}}
	for _, s := range list {
		c.Add(s)
	}
	return c
}

// Add adds a scenario version, replacing one with the same id and version.
func (c *Catalog) Add(s *Scenario) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.versions[s.ID] == nil {
		c.versions[s.ID] = map[int]*Scenario{}
	}
	c.versions[s.ID][s.Version] = s
}

// Latest returns the highest version of a scenario.
func (c *Catalog) Latest(id string) (*Scenario, bool) {
	return c.LatestFor(id, nil)
}

// LatestFor returns the highest version of a scenario that see accepts; a
// nil see accepts every version. A version kept to one cohort is the
// latest only for those who may see it: others have the one before.
func (c *Catalog) LatestFor(id string, see func(*Scenario) bool) (*Scenario, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var best *Scenario
	for _, s := range c.versions[id] {
		if (best == nil || s.Version > best.Version) && (see == nil || see(s)) {
			best = s
		}
	}
	return best, best != nil
}

// Version returns one version of a scenario.
func (c *Catalog) Version(id string, version int) (*Scenario, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	s, ok := c.versions[id][version]
	return s, ok
}

// Versions returns every version of a scenario, oldest first.
func (c *Catalog) Versions(id string) []*Scenario {
	c.mu.RLock()
	out := make([]*Scenario, 0, len(c.versions[id]))
	for _, s := range c.versions[id] {
		out = append(out, s)
	}
	c.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out
}

// All returns every version of every scenario, by id and version.
func (c *Catalog) All() []*Scenario {
	var out []*Scenario
	for _, s := range c.List() {
		out = append(out, c.Versions(s.ID)...)
	}
	return out
}

// List returns the latest version of every scenario, by id.
func (c *Catalog) List() []*Scenario {
	return c.ListFor(nil)
}

// ListFor returns, by id, the latest version of every scenario that see
// accepts (see LatestFor).
func (c *Catalog) ListFor(see func(*Scenario) bool) []*Scenario {
	c.mu.RLock()
	ids := make([]string, 0, len(c.versions))
	for id := range c.versions {
		ids = append(ids, id)
	}
	c.mu.RUnlock()
	sort.Strings(ids)
	out := make([]*Scenario, 0, len(ids))
	for _, id := range ids {
		if s, ok := c.LatestFor(id, see); ok {
			out = append(out, s)
		}
	}
	return out
}
