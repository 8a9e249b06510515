# repairgym: the one test command is `make test`.
GO ?= go
GOFILES = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*')

.PHONY: test deps build lint fuzz bench eval model

# Everything CI runs: install what the tests need, lint, then every test.
test: deps lint
	$(GO) test -count=1 -timeout 20m ./...

deps:
	@scripts/test-deps.sh

build:
	$(GO) build -o bin/repairgym ./cmd/repairgym

lint:
	$(GO) vet ./...
	@out="$$(gofmt -l $(GOFILES))"; if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# A longer fuzzing run of the scenario parser than the tests do.
fuzz:
	$(GO) test ./scenarios -run '^$$' -fuzz FuzzParse -fuzztime 10m

bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./grading ./engine
	$(GO) test -run '^$$' -bench StreamedDeltas -benchtime 200x -count 5 ./web

# The offline grader's agreement with the labelled sets.
eval: build
	@for f in grading/testdata/labelled.jsonl grading/testdata/independent.jsonl grading/testdata/external.jsonl; do \
		./bin/repairgym grade --eval $$f; echo; done

# Retrain the offline grader's model after changing its rules or the
# labelled tune data; the tests fail while it is stale.
model:
	$(GO) test ./grading -run TestModelIsCurrent -train
	$(GO) test ./cmd/repairgym -run TestGradeGolden -update
