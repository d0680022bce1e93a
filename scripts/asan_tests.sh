#!/usr/bin/env bash
# Run the test-suite against an AddressSanitizer build of the Cython extension(s).
#
#   . .venv/bin/activate && bash scripts/asan_tests.sh [pytest args...]
#
# Builds a copy of the tree in a temporary folder with -fsanitize=address (in place,
# so the extensions keep their symbols), preloads gcc's ASan runtime into the
# (uninstrumented) Python, and runs pytest there. `python` must have the test extra
# (the venv of the README's quick start); the build itself runs in a venv of the same
# interpreter with pyproject.toml's build requirements. Wasmtime
# uses signals for wasm traps, so ASan must leave SIGSEGV/SIGBUS/SIGFPE/SIGILL alone.
# Left out: the RSS checks (marker `rss`: ASan's quarantine holds freed memory), the
# cases that limit the address space (marker `address_space`: ASan's shadow needs it), the
# fuzz and benchmark smoke runs (slow under ASan), and the upstream suite (run it with
# the same environment: python scripts/upstream_tests.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$root" ls-files -z | (cd "$root" && xargs -0 cp --parents -t "$work")
cd "$work"
python -m venv .build-venv
.build-venv/bin/pip install -q $(python -c 'import tomllib
print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))')
CFLAGS="-fsanitize=address -fno-omit-frame-pointer" LDFLAGS="-fsanitize=address" \
  .build-venv/bin/python setup.py build_ext --inplace -q
export LD_PRELOAD
LD_PRELOAD=$(gcc -print-file-name=libasan.so)
export ASAN_OPTIONS=detect_leaks=0:handle_segv=0:allow_user_segv_handler=1:handle_sigbus=0:handle_sigfpe=0:handle_sigill=0
PYTHONPATH="$work" python -m pytest -q -p no:cacheprovider tests -m "not rss and not address_space" \
  --ignore=tests/test_fuzz_smoke.py \
  --ignore=tests/test_upstream_suite.py --ignore=tests/test_benchmarks_smoke.py "$@"
