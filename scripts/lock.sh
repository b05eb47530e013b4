#!/usr/bin/env bash
# Refresh the locked versions in requirements/ from the ranges in pyproject.toml.
#   bash scripts/lock.sh                          every package at the newest version the ranges allow
#   bash scripts/lock.sh --keep                   keep today's pins; only add or drop what pyproject changed
#   bash scripts/lock.sh --keep --upgrade-package litellm   (other options go to `uv pip compile`)
# The locks hold every package's exact version and the hashes of its files, for Linux and
# CPython 3.10-3.14 (pyproject's [tool.uv] environments); scripts/install.sh installs them with
# pip --require-hashes. Every pin is then checked to have a binary wheel for x86_64 and aarch64
# on each of those versions, so no install ever builds from source.
#   requirements/build.txt    pip and the build backend
#   requirements/runtime.txt  the package           (scripts/install.sh runtime, scripts/demo.sh)
#   requirements/llm.txt      the package with [llm] (scripts/install.sh llm)
#   requirements/test.txt     the package with [test] and [llm] (scripts/install.sh test, CI)
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
PYTHONS=(3.10 3.11 3.12 3.13 3.14)
MACHINES=(x86_64 aarch64)

tools="${XDG_CACHE_HOME:-$HOME/.cache}/voiceinterviewer/uv-$UV_VERSION"
if [ ! -x "$tools/bin/uv" ]; then
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q "uv==$UV_VERSION"
fi
uv="$tools/bin/uv"
export UV_PYTHON_DOWNLOADS=never UV_CUSTOM_COMPILE_COMMAND="bash scripts/lock.sh"

upgrade=(--upgrade)
if [ "${1:-}" = "--keep" ]; then
  upgrade=()
  shift
fi
compile() {
  "$uv" pip compile -q --universal --python-version "${PYTHONS[0]}" --generate-hashes \
    "${upgrade[@]}" "$@"
}

mkdir -p requirements
# The superset first; the others are constrained to its pins, so a package has one version
# in every lock and what the tests ran is what a person installs.
compile pyproject.toml --extra test --extra llm -o requirements/test.txt "$@"
compile pyproject.toml -c requirements/test.txt -o requirements/runtime.txt "$@"
compile pyproject.toml --extra llm -c requirements/test.txt -o requirements/llm.txt "$@"
# pip itself and the [build-system] requires, so the package installs with --no-build-isolation.
build_requires="$(sed -n '/^\[build-system\]/,/^\[project\]/s/^requires = \[\(.*\)\]/\1/p' pyproject.toml)"
printf 'pip\n%s\n' "$(echo "$build_requires" | tr -d '" ' | tr ',' '\n')" |
  compile - -o requirements/build.txt "$@"

for python in "${PYTHONS[@]}"; do
  for machine in "${MACHINES[@]}"; do
    for lock in requirements/test.txt requirements/build.txt; do
      "$uv" pip compile -q --no-deps --only-binary :all: --python-version "$python" \
        --python-platform "$machine-manylinux_2_28" -o /dev/null "$lock" ||
        { echo "lock.sh: $lock has a package without a wheel for CPython $python on $machine" >&2; exit 1; }
    done
  done
done
echo "locked: $(grep -c '^[a-z]' requirements/test.txt) packages for the tests, $(grep -c '^[a-z]' requirements/runtime.txt) at run time"
