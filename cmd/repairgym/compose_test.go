package main

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// docker-compose.yml wires the server's settings by name: each must be one
// serve reads, and the command must be serve's, or the compose setup
// silently runs without them.
func TestComposeFileMatchesServe(t *testing.T) {
	src, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Profiles    []string          `yaml:"profiles"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(src, &compose); err != nil {
		t.Fatal(err)
	}
	known := []string{"REPAIRGYM_ADMIN_PASSWORD", "REPAIRGYM_BCRYPT_COST", "OPENAI_API_KEY", "OPENAI_BASE_URL",
		"REPAIRGYM_LLM_MODEL", "REPAIRGYM_JUDGE_MODEL", "GOFLAGS"}
	for _, v := range serveEnv {
		known = append(known, v.name)
	}
	app, ok := compose.Services["repairgym"]
	if !ok {
		t.Fatal("no repairgym service")
	}
	for name := range app.Environment {
		if !slices.Contains(known, name) {
			t.Errorf("docker-compose.yml sets %s, which serve does not read", name)
		}
	}
	if cmd := strings.Join(app.Command, " "); !strings.Contains(cmd, "./cmd/repairgym") || !strings.Contains(cmd, "exec /tmp/repairgym serve") {
		t.Errorf("the repairgym service runs %q", app.Command)
	}
	for _, name := range []string{"redis", "ollama"} {
		if _, ok := compose.Services[name]; !ok {
			t.Errorf("no %s service", name)
		}
	}
	if !slices.Contains(compose.Services["ollama"].Profiles, "ollama") {
		t.Error("the ollama service is not in the ollama profile")
	}
}
