package grading

import (
	"bytes"
	"context"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var train = flag.Bool("train", false, "retrain grading/models/scores.json from the tune splits in testdata")

// tuneFiles are the labelled sets the model learns from. Only their tune
// splits are used: the test splits, and external.jsonl as a whole, stay
// unseen so that they measure how the grader does on new text.
var tuneFiles = []string{"labelled.jsonl", "independent.jsonl", "tune-variety.jsonl", "tune-natural.jsonl"}

// modelCriteria are the criteria the model scores; exploration is left to
// the rules, which agree with raters better there.
var modelCriteria = []string{Validation, NonDefensiveness}

const modelPath = "models/scores.json"

func trainingExamples(t testing.TB) []trainingExample {
	var examples []trainingExample
	for _, name := range tuneFiles {
		for _, it := range readLabelledFile(t, name) {
			if it.Split == "test" {
				continue
			}
			a := analyse(Input{Client: it.Client, Response: it.Response, RuptureType: it.RuptureType})
			examples = append(examples, trainingExample{feats: modelFeatures(a, Result{Scores: a.rules()}.Int()), scores: it.Labels})
		}
	}
	return examples
}

func trainModel(t testing.TB) *scoreModel {
	return trainScoreModel("v1: rules, acts, rupture type, words and word pairs; ridge regression", trainingExamples(t), modelCriteria, 30, 3, 0.02, 0.01)
}

// TestModelIsCurrent retrains the model and checks it matches the shipped
// one, so that a change to the rules or the data cannot silently leave the
// model behind. Run "go test ./grading -run TestModelIsCurrent -train" (or
// make model) to rewrite it.
func TestModelIsCurrent(t *testing.T) {
	got := trainModel(t).marshal()
	if *train {
		if err := os.WriteFile(modelPath, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(modelPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: the rules or the labelled data changed since it was trained; run make model", modelPath)
	}
}

// heldOut are the labelled sets, and their splits, that the grader never
// learns from ("" is the whole file), with the quadratic kappa the README
// reports for each criterion. A change that costs agreement on unseen text
// fails here, not quietly.
var heldOut = []struct {
	file, split string
	kappa       map[string]float64
}{
	{"labelled.jsonl", "test", map[string]float64{Validation: 0.810, NonDefensiveness: 0.778, Exploration: 0.891}},
	{"independent.jsonl", "test", map[string]float64{Validation: 0.796, NonDefensiveness: 0.714, Exploration: 0.921}},
	{"external.jsonl", "", map[string]float64{Validation: 0.795, NonDefensiveness: 0.694, Exploration: 0.960}},
}

func readLabelledFile(t testing.TB, name string) []LabelledItem {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	items, err := ReadLabelled(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return items
}

// TestHeldOutIsUnseen checks that no held-out response is word for word a
// response the model learns from: a copy would flatter the agreement.
func TestHeldOutIsUnseen(t *testing.T) {
	key := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	learned := map[string]string{}
	for _, name := range tuneFiles {
		for _, it := range readLabelledFile(t, name) {
			if it.Split != "test" {
				learned[key(it.Response)] = name + " " + it.ID
			}
		}
	}
	for _, h := range heldOut {
		for _, it := range readLabelledFile(t, h.file) {
			if h.split != "" && it.Split != h.split {
				continue
			}
			if from, ok := learned[key(it.Response)]; ok {
				t.Errorf("%s %s is held out, but the same response is learned from in %s", h.file, it.ID, from)
			}
		}
	}
}

// TestHeldOutAgreement grades the held-out sets and checks agreement has
// not fallen below what the README reports (a rise is welcome; update the
// README and these numbers together).
func TestHeldOutAgreement(t *testing.T) {
	g := NewLexicon(DefaultRubric())
	for _, h := range heldOut {
		rep, _, err := Evaluate(context.Background(), g, DefaultRubric(), readLabelledFile(t, h.file))
		if err != nil {
			t.Fatal(err)
		}
		split := h.split
		if split == "" {
			split = "all"
		}
		for crit, want := range h.kappa {
			got := rep.Splits[split][crit].Kappa
			// Rounded as reported.
			if math.Round(got*1000)/1000 < want {
				t.Errorf("%s %s %s: kappa %.3f, below the reported %.3f", h.file, split, crit, got, want)
			}
		}
	}
}
