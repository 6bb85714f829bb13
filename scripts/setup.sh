#!/usr/bin/env bash
# Installs the system packages Warden builds against (Debian 12). Idempotent; needs root.
set -euo pipefail
# curl, git, make, python3: the kernel integration tests perform real agent work and attacks.
# python3-venv, gcc (cc): real work the tests run (venvs, pip builds, compiling into /tmp).
packages=(libbpf-dev libelf-dev zlib1g-dev pkg-config util-linux curl git make python3 python3-venv gcc libc6-dev)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || export PATH="/opt/swift/usr/bin:$PATH"
command -v swift >/dev/null || { echo "setup: Swift 6 toolchain not found (expected in PATH or /opt/swift)" >&2; exit 1; }

# The kernel integration tests run real agent frameworks (AutoGen's LocalCommandLineCodeExecutor,
# mini-swe-agent) and pip builds (offline, from a wheelhouse of setuptools and wheel). They live in
# a venv of their own, never the system Python, reused when present (~20 s to build, ~90 MB).
# mini-swe-agent is installed without its dependencies: the tests use its agent, environment and
# deterministic model, which need none of litellm, openai or datasets.
test_venv=${WARDEN_TEST_VENV:-/var/cache/warden-test-venv}
test_venv_stamp="$test_venv/.warden-test-venv-1"
if [ ! -f "$test_venv_stamp" ]; then
  echo "setup: building the test venv in $test_venv"
  rm -rf "$test_venv"
  /usr/bin/python3 -m venv "$test_venv"
  pip_quiet=(-q --disable-pip-version-check --no-cache-dir)
  "$test_venv/bin/pip" install "${pip_quiet[@]}" autogen-core==0.7.5 autogen-ext==0.7.5 \
    jinja2 pydantic python-dotenv platformdirs rich pyyaml
  "$test_venv/bin/pip" install "${pip_quiet[@]}" --no-deps mini-swe-agent==2.4.6
  "$test_venv/bin/pip" download "${pip_quiet[@]}" -d "$test_venv/wheelhouse" setuptools wheel
  touch "$test_venv_stamp"
fi
