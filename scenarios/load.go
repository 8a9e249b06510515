package scenarios

import (
	"embed"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

//go:embed library/*.yaml
var library embed.FS

//go:embed template.yaml
var template []byte

// Template returns the YAML a new scenario starts from: valid, linting
// clean, with a hint at each part.
func Template() []byte {
	return append([]byte(nil), template...)
}

// Library returns the built-in scenario files.
func Library() fs.FS {
	sub, err := fs.Sub(library, "library")
	if err != nil {
		panic(err) // the directory is embedded above
	}
	return sub
}

// A Set is a group of scenarios loaded together, whose ids must not clash.
type Set struct {
	Scenarios []*Scenario
	Problems  []Problem
	ids       map[string]*Scenario
}

// Get returns the scenario with the given id, or nil.
func (set *Set) Get(id string) *Scenario {
	return set.ids[id]
}

func (set *Set) add(file string, src []byte, scale Scale) {
	s, problems := Parse(file, src, scale)
	set.Problems = append(set.Problems, problems...)
	if s == nil {
		return
	}
	if set.ids == nil {
		set.ids = map[string]*Scenario{}
	}
	if prev, dup := set.ids[s.ID]; dup {
		set.Problems = append(set.Problems, Problem{File: file, Line: 1, Col: 1,
			Message: fmt.Sprintf("duplicate scenario id %q: %s has it too", s.ID, prev.File)})
		return
	}
	set.ids[s.ID] = s
	set.Scenarios = append(set.Scenarios, s)
}

// IsScenarioFile reports whether a file name looks like a scenario.
func IsScenarioFile(name string) bool {
	ext := strings.ToLower(path.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// LoadFS reads every scenario file under root in fsys, in lexical order.
func LoadFS(fsys fs.FS, root string, scale Scale) (*Set, error) {
	set := &Set{}
	err := fs.WalkDir(fsys, root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() || !IsScenarioFile(p) {
			return nil
		}
		return set.addFile(fsys, p, p, scale)
	})
	if err != nil {
		return nil, fmt.Errorf("load scenarios: %w", err)
	}
	return set, nil
}

// LoadPaths reads scenario files and folders (searched recursively) from the
// file system. A path that cannot be read is an error; a file that cannot be
// parsed is a problem in the set.
func LoadPaths(paths []string, scale Scale) (*Set, error) {
	set := &Set{}
	var files []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("load scenarios: %w", err)
		}
		if !info.IsDir() {
			files = append(files, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(f string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if e.IsDir() && f != p && skipDir(e.Name()) {
				return filepath.SkipDir
			}
			if !e.IsDir() && IsScenarioFile(f) {
				found = append(found, f)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("load scenarios: %w", err)
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("load scenarios: no .yaml files in %s", p)
		}
		sort.Strings(found)
		files = append(files, found...)
	}
	for _, f := range files {
		if err := set.addFile(os.DirFS(filepath.Dir(f)), filepath.Base(f), f, scale); err != nil {
			return nil, fmt.Errorf("load scenarios: %w", err)
		}
	}
	return set, nil
}

// skipDir reports folders a search for scenarios passes over: hidden ones
// and Go's testdata, which holds deliberately broken files.
func skipDir(name string) bool {
	return name == "testdata" || strings.HasPrefix(name, ".")
}

// addFile reads one file, refusing to read more than a scenario can be.
func (set *Set) addFile(fsys fs.FS, name, display string, scale Scale) error {
	f, err := fsys.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return err
	}
	set.add(display, src, scale)
	return nil
}
