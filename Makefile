# checkpointd — see README.md. The two commands that matter: `make run` and `make test`.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin

SWIFT_FLAGS ?=
PREFIX ?= /usr/local

.PHONY: run test bench build release deps test-deps bench-deps install clean

## make run: install missing packages, build release, start the daemon with the example config.
run: deps release
	@scripts/run.sh

## make test: the whole test suite (unit, real-DB, real-HTTP, real-process, unit-file checks).
test: test-deps
	swift build --build-tests $(SWIFT_FLAGS)
	swift test --skip-build $(SWIFT_FLAGS)

## make bench: release build, then the benchmarks, printed as tables.
bench: bench-deps release
	@scripts/bench.sh

build:
	swift build $(SWIFT_FLAGS)

release:
	swift build -c release --product checkpointd $(SWIFT_FLAGS)
	swift build -c release --product checkpoint $(SWIFT_FLAGS)

deps:
	@scripts/install-deps.sh run

test-deps:
	@scripts/install-deps.sh test

bench-deps:
	@scripts/install-deps.sh bench

## make install: binaries, unit, sysusers entry and (if absent) the example config, for systemd.
install: release
	install -D -m 0755 .build/release/checkpointd $(DESTDIR)$(PREFIX)/bin/checkpointd
	install -D -m 0755 .build/release/checkpoint $(DESTDIR)$(PREFIX)/bin/checkpoint
	install -D -m 0644 systemd/checkpointd.service $(DESTDIR)/etc/systemd/system/checkpointd.service
	install -D -m 0644 systemd/checkpointd.sysusers $(DESTDIR)/usr/lib/sysusers.d/checkpointd.conf
	install -D -m 0644 README.md $(DESTDIR)/usr/share/doc/checkpointd/README.md
	install -d -m 0750 $(DESTDIR)/etc/checkpointd/cameras
	test -e $(DESTDIR)/etc/checkpointd/checkpointd.yaml || \
	  sed -e '/^state_directory:/d' -e 's#^cameras_directory: .*#cameras_directory: cameras#' \
	    config/checkpointd.yaml > $(DESTDIR)/etc/checkpointd/checkpointd.yaml
	cp -n cameras/*.example $(DESTDIR)/etc/checkpointd/cameras/ 2>/dev/null || true

clean:
	rm -rf .build .run
