#!/usr/bin/env bash
# Builds the venv the kernel integration tests take their real tools from; scripts/test.sh runs
# it (so CI does) after setup.sh. Idempotent; needs network access to PyPI the first time.
set -euo pipefail
# The kernel integration tests run real agent frameworks (AutoGen's LocalCommandLineCodeExecutor,
# mini-swe-agent) and pip builds (offline, from a wheelhouse of setuptools and wheel). They live in
# a venv of their own, never the system Python, reused when present (~30 s to build, ~90 MB).
# mini-swe-agent is installed without its dependencies: the tests use its agent, environment and
# deterministic model, which need none of litellm, openai or datasets.
test_venv=${WARDEN_TEST_VENV:-/var/cache/warden-test-venv}
test_venv_stamp="$test_venv/.warden-test-venv-2"
if [ ! -f "$test_venv_stamp" ]; then
  echo "test-venv: building the test venv in $test_venv"
  rm -rf "$test_venv"
  /usr/bin/python3 -m venv "$test_venv"
  pip_quiet=(-q --disable-pip-version-check --no-cache-dir)
  "$test_venv/bin/pip" install "${pip_quiet[@]}" autogen-core==0.7.5 autogen-ext==0.7.5 \
    jinja2 pydantic python-dotenv platformdirs rich pyyaml virtualenv==21.15.11
  "$test_venv/bin/pip" install "${pip_quiet[@]}" --no-deps mini-swe-agent==2.4.6
  "$test_venv/bin/pip" download "${pip_quiet[@]}" -d "$test_venv/wheelhouse" setuptools wheel
  touch "$test_venv_stamp"
fi
