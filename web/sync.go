package web

import (
	"context"
	"fmt"

	"github.com/repairgym/repairgym/engine"
	"github.com/repairgym/repairgym/scenarios"
)

// syncSaved adds what other servers sharing the store have saved since
// this one last looked: rubric versions, then scenario versions (checked
// against the rubric in force, as a save is). The sweep runs it, and a
// socket runs it before opening a session whose scenario version this
// server has not seen, so that a trainee can carry on at any server.
//
// A version that no longer parses is skipped with a warning, as at start.
func (s *Server) syncSaved(ctx context.Context) error {
	rubrics, err := s.cfg.Store.RubricVersions(ctx)
	if err != nil {
		return fmt.Errorf("sync rubrics: %w", err)
	}
	s.addRubrics(rubrics)
	latest, err := s.cfg.Store.LatestScenarios(ctx)
	if err != nil {
		return fmt.Errorf("sync scenarios: %w", err)
	}
	for _, l := range latest {
		if err := s.syncScenario(ctx, l.ID); err != nil {
			return err
		}
	}
	return nil
}

// syncScenario adds the versions of one scenario this server lacks. Every
// version is looked at, not only the newest: versions may be saved out of
// order from different servers.
func (s *Server) syncScenario(ctx context.Context, id string) error {
	versions, err := s.cfg.Store.ScenarioVersions(ctx, id)
	if err != nil {
		return fmt.Errorf("sync scenario %s: %w", id, err)
	}
	scale := s.scoring().Rubric.Scale()
	for _, v := range versions {
		if _, ok := s.cfg.Catalog.Version(v.ID, v.Version); ok {
			continue
		}
		scn, problems := scenarios.Parse(fmt.Sprintf("%s v%d", v.ID, v.Version), v.Source, scale)
		if len(problems) > 0 {
			s.log.Warn("saved scenario version does not validate", "scenario", v.ID, "version", v.Version, "problem", problems[0].String())
			continue
		}
		scn.Cohort = v.Cohort
		s.cfg.Catalog.Add(scn)
	}
	return nil
}

// knowsVersion makes sure this server has the scenario version a session
// was started on, looking in the store if it does not.
func (s *Server) knowsVersion(ctx context.Context, rec engine.SessionRecord) {
	if _, ok := s.cfg.Catalog.Version(rec.State.ScenarioID, rec.State.ScenarioVersion); ok {
		return
	}
	if err := s.syncScenario(ctx, rec.State.ScenarioID); err != nil {
		s.log.Warn("looking for a scenario version saved elsewhere", "scenario", rec.State.ScenarioID, "version", rec.State.ScenarioVersion, "err", err)
	}
}
