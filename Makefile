# dialdesk — CI runs these targets verbatim (.ci/run).
GO  ?= go
BIN ?= dialdesk

.PHONY: all generate build run test test-postgres deps-postgres check-generated bench bench-overview bench-search bench-warehouse bench-push fmt lint deps

all: build

## generate: templ components → *_templ.go (templ is a go.mod tool: nothing to install).
## Run from the repository root: generated files name their source views/x.templ,
## the same as `go tool templ generate -f views/x.templ`; `-path views` would differ.
## -log-level warn: only problems are printed, not templ's progress and watcher
## messages ("Post-generation event received…"), which `make run` showed first.
generate:
	$(GO) tool templ generate -path . -log-level warn

## build: the single binary ./dialdesk (static files and templates embedded)
build: generate
	$(GO) build -o $(BIN) .

## run: build and serve on http://127.0.0.1:8080 (demo mode when no platform is configured)
run: build
	./$(BIN)

## test: every test with the race detector on SQLite and, at the same time, the tests
## of PG_PKGS again on PostgreSQL: DIALDESK_TEST_POSTGRES names a database (postgres://…)
## in which each test makes a schema of its own; `make test-postgres` starts a throwaway
## cluster for it (.ci/run does). Without it the PostgreSQL pass is skipped with a message,
## and fails when CI=true. The generated-files check comes first.
## Browser tests need chromium (make deps); they skip without it, and fail without it when CI=true.
## -timeout 40m per package: a busy machine can make the slowest package several times slower.
PG_PKGS = . ./store ./jobs ./handlers
## RACE: the race detector for our code. modernc.org/sqlite is SQLite's C translated to Go
## (its lib) over a translated C library (libc); those two are left uninstrumented, as C code
## behind cgo would be, and checkptr is off in modernc.org's packages, whose translated pointer
## arithmetic it checked at nearly every step. Together they were most of the tests' time under
## -race (a warehouse sync of 1,000 calls: 18 s, 6 s without them). Our code keeps both.
RACE = -race -gcflags='modernc.org/...=-d=checkptr=0' \
	-gcflags='modernc.org/sqlite/lib=-d=checkptr=0 -race=false' -gcflags='modernc.org/libc/...=-d=checkptr=0 -race=false'
test: check-generated
	@pg=; \
	if [ -n "$${DIALDESK_TEST_POSTGRES:-}" ]; then \
		log=$$(mktemp); \
		DIALDESK_TEST_DB=postgres $(GO) test -count=1 -timeout 40m $(PG_PKGS) >$$log 2>&1 & pg=$$!; \
	elif [ "$${CI:-}" = true ]; then \
		echo "DIALDESK_TEST_POSTGRES is not set: with CI=true the tests must run on PostgreSQL too (.ci/run starts a cluster)"; exit 1; \
	else \
		echo "PostgreSQL pass skipped: DIALDESK_TEST_POSTGRES is not set (make test-postgres starts a throwaway cluster)"; \
	fi; \
	$(GO) test $(RACE) -count=1 -timeout 40m ./...; rc=$$?; \
	if [ -n "$$pg" ]; then \
		wait $$pg; prc=$$?; echo "--- on PostgreSQL: $(PG_PKGS)"; cat $$log; rm -f $$log; \
		if [ $$prc != 0 ]; then rc=1; fi; \
	fi; \
	exit $$rc

## test-postgres: make test with a throwaway PostgreSQL cluster (make deps-postgres first)
test-postgres:
	@dir=$$(mktemp -d); trap '.ci/pg-cluster stop '"$$dir"'; rm -rf '"$$dir" EXIT; \
	export DIALDESK_TEST_POSTGRES=$$(.ci/pg-cluster start $$dir) && $(MAKE) test

## check-generated: committed *_templ.go must match the .templ sources
check-generated: generate
	@if git rev-parse --git-dir >/dev/null 2>&1; then \
		out="$$(git status --porcelain -- '*_templ.go')"; \
		if [ -n "$$out" ]; then echo "$$out"; echo "generated files differ from the commit: run 'make generate' and commit them"; exit 1; fi; \
	fi

## bench: the benchmarks (task list latency and upstream economy), once each
bench:
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 ./...

## bench-overview: GET /overview's server time on a store of 2,000,000 generated calls
## (90 days, 200 tasks; built once into the temp dir, minutes the first time)
bench-overview:
	DIALDESK_BENCH_OVERVIEW=1 $(GO) test -run '^$$' -bench BenchmarkOverview -benchtime 1x -count 1 -timeout 60m ./handlers

## bench-search: GET /search's server time for one-, two-, three- and more-character queries on a
## store of 1,000,000 generated calls with 10,000,000 turns (built once into the temp dir, long the
## first time; DIALDESK_BENCH_SEARCH_CALLS=N for a smaller one), and the index's size
bench-search:
	DIALDESK_BENCH_SEARCH=1 $(GO) test -run '^$$' -bench BenchmarkSearch -benchtime 1x -count 1 -timeout 180m ./handlers

## bench-warehouse: the call warehouse's benchmarks: ingest (upsert with rollups, calls/s and
## MiB per million calls), the big store generator, catching up 40 tasks / 5,000 calls
bench-warehouse:
	$(GO) test -run '^$$' -bench 'Warehouse|Generate' -benchtime 1x -count 1 ./store ./jobs ./internal/whgen

## bench-push: the push receiver on one instance: pushes/s from 50 concurrent senders for 30 s,
## each stored before its 200, 0 lost, p99; and in the same run the refused (wrong token) rate as
## the ceiling. SQLite in a temp dir; DIALDESK_BENCH_PUSH_DSN=postgres://… measures that database,
## DIALDESK_BENCH_PUSH_SECONDS the phases' length, DIALDESK_BENCH_PUSH_BATCH=1 one transaction a push.
bench-push:
	DIALDESK_BENCH_PUSH=1 $(GO) test -run '^$$' -bench BenchmarkPushReceiver -benchtime 1x -count 1 -timeout 20m ./handlers

fmt:
	gofmt -w $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')

## lint: go vet, gofmt, staticcheck (a go.mod tool: nothing to install) and a tidy go.mod.
lint:
	$(GO) vet ./...
	@out="$$(gofmt -l .)"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) tool staticcheck ./...
	$(GO) mod tidy -diff

## deps-postgres: Debian's PostgreSQL server, for the tests' second pass (make test-postgres)
deps-postgres:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends postgresql

## deps: what the browser tests need (Debian): chromium and a Chinese font for screenshots;
## and nginx for the test of deploy/nginx.conf, unpacked into .cache/nginx (no service is
## installed or started)
deps:
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update && $$SUDO apt-get install -y --no-install-recommends chromium fonts-wqy-zenhei
	@rm -rf .cache/nginx && mkdir -p .cache/nginx && cd .cache/nginx && \
	apt-get download nginx 2>&1 | grep -v '^W: Download is performed unsandboxed' ; \
	dpkg -x nginx_*.deb root && ./root/usr/sbin/nginx -v
