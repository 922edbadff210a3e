# Cubby's two commands are `make run` and `make test`; both install what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(CURDIR)/.tools/bin:$(HOME)/.cargo/bin:$(PATH)

# `make run` uses its own folders and keychain namespace, never your real profiles.
DEV := $(CURDIR)/.dev
DEV_ENV := CUBBY_CONFIG_DIR=$(DEV)/config CUBBY_DATA_DIR=$(DEV)/data CUBBY_KEYCHAIN_SERVICE=cubby-dev

.PHONY: run test deps ui app lint rust-test e2e bindings dev clean bench package fuzz windows windows-test

deps:
	@bash scripts/bootstrap.sh

ui: deps
	cd ui && npm run build

app: ui
	cargo build -p cubby-desktop -p cubby-cli

## Opens the app on the local sandbox, filled with demo data on first use.
run: app
	$(DEV_ENV) ./target/debug/cubby -q profile use sandbox
	@if [ ! -d "$(DEV)/data/sandbox/buckets/cubby-sandbox/acme-corp" ]; then $(DEV_ENV) ./target/debug/cubby sandbox --seed-demo; fi
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
		$(DEV_ENV) ./target/debug/cubby-desktop; \
	else \
		echo "No display found (DISPLAY is unset): running the app under Xvfb; set DISPLAY to see the window."; \
		$(DEV_ENV) xvfb-run -a -s "-screen 0 1280x800x24" ./target/debug/cubby-desktop; \
	fi

## Every check CI runs.
test: deps lint ui rust-test windows-test
	@echo "make test: all checks passed"

lint: deps
	cargo fmt --all -- --check
	cd ui && npm run check
	cd ui && npm test
	# clippy needs ui/dist to exist for the embedded assets.
	cd ui && npm run build
	cargo clippy --workspace --all-targets --locked -- -D warnings
	# Licenses, duplicate versions and sources (deny.toml).
	cargo deny --offline check licenses bans sources
	# RustSec advisories, offline against the snapshot in ../shared/ (skipped where there is none).
	bash scripts/check-advisories.sh

## Rust unit, integration, conformance and end-to-end tests (the e2e tests drive the built app).
rust-test: ui
	# One workspace build first: the e2e tests need the app binary, and building it with the
	# workspace's unified features lets `cargo test` reuse every dependency instead of rebuilding.
	cargo build --workspace --locked
	cargo test --workspace --locked

## Windows, cross-built offline with MinGW (.cargo/config.toml): cubby.exe run under Wine against
## SeaweedFS, with the test harness's ProcessPrng stand-in for the DLL Wine 8 lacks, and a
## program that holds files open the way scanners and Excel do.
WINDOWS := x86_64-pc-windows-gnu
WINE_SHIM := target/wine/bcryptprimitives.dll
$(WINE_SHIM): scripts/wine/processprng.c
	mkdir -p target/wine
	x86_64-w64-mingw32-gcc -shared -o $@ $< -ladvapi32 -Wl,--kill-at

windows-test: deps $(WINE_SHIM)
	cargo build --locked --target $(WINDOWS) -p cubby-cli
	x86_64-w64-mingw32-gcc -municode -o target/wine/hold.exe scripts/wine/hold.c
	CUBBY_WINDOWS_EXE=$(CURDIR)/target/$(WINDOWS)/debug/cubby.exe CUBBY_WINE_SHIM=$(CURDIR)/$(WINE_SHIM) \
		CUBBY_WINE_HOLD=$(CURDIR)/target/wine/hold.exe \
		cargo test --locked -p cubby-cli --test windows -- --ignored

## cubby.exe and cubby-desktop.exe (the UI embedded) for Windows 10/11, a zip with both, the
## README and the license, and a per-user installer built with Debian's makensis, which is then
## installed, run and uninstalled under Wine: target/windows/Cubby-<version>-windows-x64.{zip,-setup.exe}.
VERSION = $(shell cargo pkgid -p cubby-cli | sed 's/.*[#@]//')
windows: ui $(WINE_SHIM)
	cargo build --locked --release --target $(WINDOWS) -p cubby-cli -p cubby-desktop
	rm -rf target/windows && mkdir -p target/windows/Cubby
	cp target/$(WINDOWS)/release/cubby.exe target/$(WINDOWS)/release/cubby-desktop.exe README.md LICENSE target/windows/Cubby/
	cd target/windows && python3 -m zipfile -c Cubby-$(VERSION)-windows-x64.zip Cubby
	makensis -V2 -DVERSION=$(VERSION) -DSOURCE=$(CURDIR)/target/windows/Cubby -DICON=$(CURDIR)/icons/icon.ico \
		-DOUTFILE=$(CURDIR)/target/windows/Cubby-$(VERSION)-windows-x64-setup.exe scripts/windows/installer.nsi
	bash scripts/windows/check-installer.sh target/windows/Cubby-$(VERSION)-windows-x64-setup.exe $(WINE_SHIM) $(VERSION)
	@ls -1 target/windows/*.zip target/windows/*.exe

e2e: app
	cargo test -p cubby-e2e

## Fuzzes the key-to-path mapper, the file-name sanitizer and the .env parser, FUZZ_SECONDS
## each (libFuzzer via cargo-fuzz; needs the nightly toolchain). Not part of `make test`.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := map_key sanitize_name dotenv
fuzz:
	@rustup toolchain list | grep -q '^nightly' || { echo "make fuzz needs the nightly toolchain: rustup toolchain install nightly"; exit 1; }
	@command -v cargo-fuzz >/dev/null || cargo install -q --locked --root $(CURDIR)/.tools cargo-fuzz@0.13.2
	# No sanitizer: the targets are safe Rust, and without ASan each run does several times more inputs.
	for t in $(FUZZ_TARGETS); do \
		cargo +nightly fuzz run -s none $$t -- -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

## Regenerates ui/src/lib/ipc/bindings.ts from the Rust commands.
bindings:
	CUBBY_UPDATE_BINDINGS=1 cargo test -p cubby-desktop bindings_are_current

## The app with Vite's dev server (hot reload); needs a display.
dev: deps
	cd ui && npm run dev & trap 'kill %1' EXIT; $(DEV_ENV) cargo run -p cubby-desktop --no-default-features

## Cubby against rclone, s5cmd and awscli (and boto3's presigner) on a local SeaweedFS; writes
## bench/results/latest.json, bench/results/ratios.png and docs/BENCHMARKS.md. BENCH_ROUNDS=N to change rounds.
bench: deps ui
	python3 bench/run.py

## The Debian package (the app, with the `cubby` CLI beside it), built offline:
## target/release/bundle/deb/Cubby_<version>_amd64.deb. Install it with `sudo apt install ./<file>.deb`.
package: ui
	cargo build --release --locked -p cubby-cli
	# Run from src-tauri so the Tauri CLI finds the app's crate; the UI was built above.
	cd src-tauri && ../ui/node_modules/.bin/tauri build --bundles deb --ci \
		--config '{"build":{"beforeBuildCommand":""}}'
	@ls -1 target/release/bundle/deb/*.deb

clean:
	cargo clean
	rm -rf ui/dist ui/node_modules .tools .dev e2e/artifacts
