# pipe — see README.md. Every target works on a fresh machine with Go and gcc.
GO      ?= go
BIN     := bin
PORT    ?= 8765

.PHONY: all build test race vet demo bench clean fmt fuzz

all: build

build:
	$(GO) build -o $(BIN)/pipe ./cmd/pipe
	$(GO) build -o $(BIN)/fakeapi ./examples/fakeapi/cmd/fakeapi

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

# The test command CI runs. Postgres and Redis tests need servers: see .ci/run
# (set PIPE_TEST_POSTGRES to a DSN; without one they skip locally and fail in CI).
test: vet
	$(GO) test -race -count=1 -timeout 20m ./...

# Loads the bundled fake Snyk API into ./demo.db with the shipped snyk spec, offline.
demo: build
	@./examples/demo.sh $(PORT)

# Benchmarks; see README "Performance" for the figures and how they were taken.
# internal/benchcmp compares pipe with hand-written baselines (a, b), measures its memory (c), fan-out (d, e),
# re-merge into existing tables (f) and a 1% incremental run (g); flags: go run ./internal/benchcmp -h.
bench: build
	$(GO) build -o $(BIN)/baseline ./internal/benchcmp/baseline
	$(GO) test -run '^$$' -bench . -benchmem -count 1 ./engine/normalize ./destinations/...
	$(GO) run ./internal/benchcmp $(BENCHFLAGS)

# Runs each fuzz target for FUZZTIME (go test -fuzztime syntax: 60s, 10000x;
# a duration may end in a spurious "context deadline exceeded" on Go 1.26,
# golang/go#75804, so CI gives a count).
# New crashers land in the package's testdata/fuzz/<Target>/ and then run
# with every `make test`, as do the seeds there.
FUZZTIME ?= 60s
FUZZ_TARGETS := ./engine/spec:FuzzLoad ./engine/normalize:FuzzNormalize ./engine/normalize:FuzzPlainJSON
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name ($$pkg) for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $$pkg || exit 1; \
	done

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN) demo.db demo.db-pipelock
