package grading

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
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
		f, err := os.Open(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		items, err := ReadLabelled(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, it := range items {
			if it.Split == "test" {
				continue
			}
			a := analyse(Input{Client: it.Client, Response: it.Response, RuptureType: it.RuptureType})
			examples = append(examples, trainingExample{feats: modelFeatures(a, a.ruleScores()), scores: it.Labels})
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
