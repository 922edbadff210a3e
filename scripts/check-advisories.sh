#!/usr/bin/env bash
# `cargo deny check advisories` for `make lint`, offline: the build machines cannot reach GitHub,
# so the RustSec database comes from a snapshot bundle in ../shared/advisory-db/ (CI copies
# shared/ beside the repository). Without it the check is skipped, not failed: a developer's
# machine may not have that folder. See docs/RELIABILITY.md.
set -euo pipefail
cd "$(dirname "$0")/.."

bundle=${ADVISORY_DB_BUNDLE:-../shared/advisory-db/advisory-db.bundle}
if [[ ! -f $bundle ]]; then
    echo "advisories: skipped, no RustSec snapshot at $bundle (it comes from the CI machines' shared/ folder)"
    exit 0
fi

# deny.toml's db-path is target/advisory-db; cargo deny opens the folder named after the default
# db-urls inside it. Cloned afresh each run (under a second): cargo deny dates a database by its
# clone's HEAD file, so a kept clone would fail its 90-day staleness check with the bundle
# unchanged, and a replaced bundle is picked up without comparing anything.
db=target/advisory-db/advisory-db-3157b0e258782691
rm -rf "$db"
git clone -q -b snapshot "$bundle" "$db"
# So that a plain online `cargo deny check` updates this clone from GitHub instead of failing
# to find `main` in the bundle.
git -C "$db" remote set-url origin https://github.com/RustSec/advisory-db

# The snapshot's own date is what says how current the check is; cargo deny does not print it.
date=$(git -C "$db" log -1 --format=%cs)
age=$((($(date +%s) - $(git -C "$db" log -1 --format=%ct)) / 86400))
status=0
cargo deny --offline check advisories || status=$?
result=$([[ $status == 0 ]] && echo ok || echo FAILED)
echo "advisories: $result against the RustSec snapshot of $date ($age days old; later advisories are not in it)"
exit $status
