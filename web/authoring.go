package web

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/grading"
	"github.com/repairgym/repairgym/scenarios"
)

// Authoring: the handlers behind the supervisors' scenario editor. None of
// them stores anything but PUT, in api.go.

func (s *Server) scenarioTemplate(c echo.Context) error {
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", scenarios.Template())
}

// lintScenario checks a draft as repairgym lint does, running its tests
// with the server's grader.
func (s *Server) lintScenario(c echo.Context) error {
	return s.withScenarioBody(c, "scenario.yaml", func(_ []byte, scn *scenarios.Scenario, problems []scenarios.Problem) error {
		if len(problems) > 0 {
			for i := range problems {
				problems[i].Severity = scenarios.SeverityError
			}
			return c.JSON(http.StatusOK, map[string]any{"valid": false, "problems": problemsJSON(problems), "tests": []engine.TestResult{}})
		}
		found, results, err := engine.Lint(c.Request().Context(), scn, s.scoring().Rubric.Scale(), s.sessionConfig())
		if err != nil {
			return fmt.Errorf("lint: %w", err)
		}
		valid := true
		for _, p := range found {
			valid = valid && p.Severity != scenarios.SeverityError
		}
		return c.JSON(http.StatusOK, map[string]any{"valid": valid, "problems": problemsJSON(found), "tests": results})
	})
}

// sessionConfig is how sessions that are not saved, playtests and
// scenario tests, grade and speak: the offline grader on the rubric in
// force and the scripted voice, whatever the server uses for trainees.
// They run on every edit in the editor: a language model there would be
// slow and costly, would make a scenario's tests pass or fail by chance,
// and would take the slots trainees need.
func (s *Server) sessionConfig() engine.Config {
	r := s.scoring().Rubric
	return engine.Config{Grader: grading.NewLexicon(r), Rubric: r}
}

// scenarioVersion returns the version of a scenario a request names with
// ?version=, or the latest.
func (s *Server) scenarioVersion(c echo.Context) (*scenarios.Scenario, error) {
	id := c.Param("id")
	if v := c.QueryParam("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, badRequest("version must be a whole number")
		}
		if scn, ok := s.cfg.Catalog.Version(id, n); ok && currentUser(c).Sees(scn) {
			return scn, nil
		}
		return nil, notFound("scenario version")
	}
	if scn, ok := s.cfg.Catalog.LatestFor(id, currentUser(c).Sees); ok {
		return scn, nil
	}
	return nil, notFound("scenario")
}

// graphSVG sends a scenario's stage graph, whose classes are styled by
// the style sheet inside it.
func graphSVG(c echo.Context, scn *scenarios.Scenario) error {
	return sendSVG(c, func(w io.Writer) error { return scenarios.WriteSVG(w, scn) }, "default-src 'none'; style-src 'unsafe-inline'")
}

func (s *Server) scenarioGraph(c echo.Context) error {
	scn, err := s.scenarioVersion(c)
	if err != nil {
		return err
	}
	return graphSVG(c, scn)
}

// draftGraph draws a scenario not yet saved, for the editor.
func (s *Server) draftGraph(c echo.Context) error {
	return s.withScenarioBody(c, "scenario.yaml", func(_ []byte, scn *scenarios.Scenario, problems []scenarios.Problem) error {
		if len(problems) > 0 {
			return invalidScenario(c, problems)
		}
		return graphSVG(c, scn)
	})
}

// scenarioSource sends a version's YAML as written: to edit, to compare
// versions, or, with ?download=1, to keep as a file.
func (s *Server) scenarioSource(c echo.Context) error {
	scn, err := s.scenarioVersion(c)
	if err != nil {
		return err
	}
	if c.QueryParam("download") != "" {
		c.Response().Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fmt.Sprintf("%s-v%d.yaml", scn.ID, scn.Version)))
	}
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", scn.Source)
}

type versionJSON struct {
	Version int        `json:"version"`
	Cohort  string     `json:"cohort,omitempty"`
	Author  string     `json:"author,omitempty"`
	Saved   *time.Time `json:"saved,omitempty"`
	// Origin is "saved" for a version saved on this server, "library" for
	// the built-in one or the program's folder.
	Origin string `json:"origin"`
}

// scenarioVersions lists a scenario's versions, oldest first, with who
// saved each.
func (s *Server) scenarioVersions(c echo.Context) error {
	id := c.Param("id")
	var versions []*scenarios.Scenario
	for _, scn := range s.cfg.Catalog.Versions(id) {
		if currentUser(c).Sees(scn) {
			versions = append(versions, scn)
		}
	}
	if len(versions) == 0 {
		return notFound("scenario")
	}
	saved, err := s.cfg.Store.ScenarioVersions(c.Request().Context(), id)
	if err != nil {
		return err
	}
	byVersion := map[int]engine.ScenarioVersion{}
	for _, v := range saved {
		byVersion[v.Version] = v
	}
	names := map[string]string{}
	out := make([]versionJSON, 0, len(versions))
	for _, scn := range versions {
		v := versionJSON{Version: scn.Version, Origin: "library", Cohort: scn.Cohort}
		if sv, ok := byVersion[scn.Version]; ok {
			v.Origin = "saved"
			v.Author = s.userName(c, sv.Author, names)
			saved := sv.Saved
			v.Saved = &saved
		}
		out = append(out, v)
	}
	return c.JSON(http.StatusOK, out)
}

// maxPlaytestBody bounds a playtest request: a scenario and the responses
// so far.
const maxPlaytestBody = scenarios.MaxFileSize + 64<<10

type playtestRequest struct {
	YAML      string   `json:"yaml"`
	Responses []string `json:"responses"`
	Seed      int64    `json:"seed"`
	Mode      string   `json:"mode"`
}

// playtest runs a draft without saving it: it replays the responses given
// so far on a fresh session and returns the transcript, feedback and any
// ending, so that the editor's pane holds no state on the server.
func (s *Server) playtest(c echo.Context) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxPlaytestBody+1))
	if err != nil {
		return badRequest("could not read the request")
	}
	if len(body) > maxPlaytestBody {
		return newError(http.StatusRequestEntityTooLarge, codeTooLarge, "the playtest is too large")
	}
	var req playtestRequest
	if err := decodeStrict(body, &req); err != nil {
		return badRequest("send {\"yaml\": ..., \"responses\": [...]}")
	}
	if req.Mode == "" {
		req.Mode = engine.Practice
	}
	return s.withScenario(c, "scenario.yaml", []byte(req.YAML), func(_ []byte, scn *scenarios.Scenario, problems []scenarios.Problem) error {
		if len(problems) > 0 {
			return invalidScenario(c, problems)
		}
		if len(req.Responses) > scn.MaxTurns {
			return badRequest(fmt.Sprintf("the scenario ends after %d responses", scn.MaxTurns))
		}
		out, err := runPlaytest(c.Request().Context(), scn, req, s.sessionConfig())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	})
}

func runPlaytest(ctx context.Context, scn *scenarios.Scenario, req playtestRequest, cfg engine.Config) (map[string]any, error) {
	sess, err := engine.New("playtest", scn, req.Mode, req.Seed, cfg)
	if err != nil {
		return nil, err
	}
	if _, err := sess.Start(ctx, nil); err != nil {
		return nil, err
	}
	feedback := []engine.Feedback{}
	for _, text := range req.Responses {
		n := sess.Pending()
		if n == 0 {
			return nil, engine.Errorf(engine.EENDED, "the scenario ended before response %d", len(feedback)+1)
		}
		step, err := sess.Respond(ctx, n, text, nil)
		if err != nil {
			return nil, err
		}
		feedback = append(feedback, step.Feedback)
	}
	st := sess.State()
	name, _, _ := strings.Cut(scn.Persona.Name, " ")
	return map[string]any{
		"client_name": name, "turns": st.Turns, "feedback": feedback, "stage": st.Stage, "status": st.Status,
		"outcome": st.Outcome, "pending": st.Pending(), "summary": st.Summary,
	}, nil
}
