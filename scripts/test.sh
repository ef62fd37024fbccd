#!/usr/bin/env bash
# Every test of CareCircle: the Rust workspace (unit, property, CLI and end-to-end tests).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo-nextest >/dev/null 2>&1; then
  cargo install --locked cargo-nextest
fi
cargo nextest run --workspace --no-fail-fast
