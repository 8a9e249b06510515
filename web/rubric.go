package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
)

// rubricSources keeps each rubric version's YAML as written, for the
// editor and for comparing versions.
type rubricSources struct {
	mu  sync.RWMutex
	byV map[int]engine.RubricVersion
}

func (rs *rubricSources) add(v engine.RubricVersion) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.byV == nil {
		rs.byV = map[int]engine.RubricVersion{}
	}
	rs.byV[v.Version] = v
}

func (rs *rubricSources) get(version int) (engine.RubricVersion, bool) {
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	v, ok := rs.byV[version]
	return v, ok
}

func (rs *rubricSources) list() []engine.RubricVersion {
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	out := make([]engine.RubricVersion, 0, len(rs.byV))
	for _, v := range rs.byV {
		out = append(out, v)
	}
	return out
}

// loadRubrics reads the rubric versions supervisors have saved. A version
// that no longer parses is skipped with a warning: the program goes on
// with the versions before it.
func (s *Server) loadRubrics(ctx context.Context) error {
	if s.cfg.RubricSource != nil {
		s.rubricSrc.add(engine.RubricVersion{Version: s.cfg.Rubric.Version, Source: s.cfg.RubricSource})
	}
	saved, err := s.cfg.Store.RubricVersions(ctx)
	if err != nil {
		return fmt.Errorf("web: load rubrics: %w", err)
	}
	s.addRubrics(saved)
	return nil
}

// addRubrics adds the saved rubric versions the server does not have yet.
// A version that no longer parses is skipped with a warning: the program
// goes on with the versions before it.
func (s *Server) addRubrics(saved []engine.RubricVersion) {
	for _, v := range saved {
		if _, ok := s.rubrics.Version(v.Version); ok {
			continue
		}
		r, problems := grading.CheckRubric(v.Source)
		if len(problems) > 0 {
			s.log.Warn("saved rubric version does not parse", "version", v.Version, "problem", problems[0].String())
			continue
		}
		s.rubrics.Add(r)
		s.rubricSrc.add(v)
	}
}

// scoring returns the rubric in force and its grader.
func (s *Server) scoring() engine.Scoring { return s.rubrics.Current() }

// Rubric returns the rubric in force, against which scenarios are checked.
func (s *Server) Rubric() *grading.Rubric { return s.scoring().Rubric }

// rubricOf returns the rubric a session is scored on.
func (s *Server) rubricOf(rec engine.SessionRecord) *grading.Rubric {
	if sc, ok := s.rubrics.Version(rec.State.RubricVersion); ok {
		return sc.Rubric
	}
	return s.scoring().Rubric
}

// getRubric serves the rubric in force, or with ?version= an earlier one.
func (s *Server) getRubric(c echo.Context) error {
	sc := s.scoring()
	if v := c.QueryParam("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("version must be a whole number")
		}
		var ok bool
		if sc, ok = s.rubrics.Version(n); !ok {
			return notFound("rubric version")
		}
	}
	return c.JSON(http.StatusOK, sc.Rubric)
}

func (s *Server) rubricSource(c echo.Context) error {
	version := s.scoring().Rubric.Version
	if v := c.QueryParam("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return badRequest("version must be a whole number")
		}
		version = n
	}
	rv, ok := s.rubricSrc.get(version)
	if !ok {
		return notFound("rubric version")
	}
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", rv.Source)
}

func (s *Server) rubricVersions(c echo.Context) error {
	names := map[string]string{}
	list := s.rubricSrc.list()
	out := make([]versionJSON, 0, len(list))
	for _, rv := range list {
		v := versionJSON{Version: rv.Version, Origin: "library"}
		if rv.Author != "" {
			v.Origin = "saved"
			v.Author = s.userName(c, rv.Author, names)
			saved := rv.Saved
			v.Saved = &saved
		}
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return c.JSON(http.StatusOK, out)
}

// readRubric reads a YAML body of at most a rubric's size and checks it.
func readRubric(c echo.Context) ([]byte, *grading.Rubric, []problemJSON, error) {
	src, err := io.ReadAll(io.LimitReader(c.Request().Body, grading.MaxRubricSize+1))
	if err != nil {
		return nil, nil, nil, badRequest("could not read the rubric")
	}
	if len(src) > grading.MaxRubricSize {
		return nil, nil, nil, newError(http.StatusRequestEntityTooLarge, codeTooLarge, fmt.Sprintf("a rubric can be at most %d KiB", grading.MaxRubricSize>>10))
	}
	r, problems := grading.CheckRubric(src)
	out := make([]problemJSON, len(problems))
	for i, p := range problems {
		out[i] = problemJSON{Line: p.Line, Col: p.Col, Message: p.Message}
	}
	return src, r, out, nil
}

func (s *Server) validateRubric(c echo.Context) error {
	_, r, problems, err := readRubric(c)
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		problems = s.rubricBreaks(currentUser(c), r)
	}
	return c.JSON(http.StatusOK, map[string]any{"valid": len(problems) == 0, "problems": problems})
}

// rubricBreaks finds the scenario versions a rubric would break, each a
// problem at the top of the rubric: every version, since old sessions go
// on running theirs. Versions kept to a cohort the viewer cannot see are
// counted, not named.
func (s *Server) rubricBreaks(viewer engine.User, r *grading.Rubric) []problemJSON {
	var out []problemJSON
	hidden := 0
	scale := r.Scale()
	for _, scn := range s.cfg.Catalog.All() {
		c, why, ok := scn.FitsScale(scale)
		switch {
		case ok:
		case !viewer.Sees(scn):
			hidden++
		default:
			out = append(out, problemJSON{Line: 1, Col: 1,
				Message: fmt.Sprintf("scenario %q (version %d) would no longer work with this rubric: %s (line %d of the scenario)", scn.ID, scn.Version, why, c.Pos.Line)})
		}
	}
	if hidden > 0 {
		out = append(out, problemJSON{Line: 1, Col: 1,
			Message: fmt.Sprintf("%d scenario %s kept to other cohorts would no longer work with this rubric; an admin can see which", hidden, plural(hidden, "version", "versions"))})
	}
	return out
}

// plural picks the word for a count.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (s *Server) putRubric(c echo.Context) error {
	src, r, problems, err := readRubric(c)
	if err != nil {
		return err
	}
	if len(problems) == 0 {
		problems = s.rubricBreaks(currentUser(c), r)
	}
	if len(problems) > 0 {
		return c.JSON(http.StatusUnprocessableEntity, map[string]any{
			"error":    map[string]string{"code": engine.EINVALID, "message": "the rubric has problems"},
			"problems": problems,
		})
	}
	if cur := s.scoring().Rubric; r.Version <= cur.Version {
		return newError(http.StatusConflict, engine.ECONFLICT, fmt.Sprintf("version %d is already saved; change version: near the top to %d or higher, then save", r.Version, cur.Version+1))
	}
	rv := engine.RubricVersion{Version: r.Version, Source: src, Author: currentUser(c).ID, Saved: time.Now().UTC()}
	if err := s.cfg.Store.SaveRubric(c.Request().Context(), rv); err != nil {
		return err
	}
	s.rubrics.Add(r)
	s.rubricSrc.add(rv)
	s.log.Info("rubric saved", "request_id", requestID(c), "version", r.Version, "by", currentUser(c).ID)
	return c.JSON(http.StatusOK, map[string]any{"id": r.ID, "version": r.Version})
}
