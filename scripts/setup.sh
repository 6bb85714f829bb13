#!/usr/bin/env bash
# Installs the system packages Warden builds against (Debian 12). Idempotent; needs root.
set -euo pipefail
# curl, git, make, python3: the kernel integration tests perform real agent work and attacks.
# python3-venv, gcc (cc): real work the tests run (venvs, pip builds, compiling into /tmp).
# busybox-static: the tests run renamed copies of it (recognised by content).
# tmux, screen, openssh-client: command brokers and an ssh-agent outside the agent's session.
packages=(libbpf-dev libelf-dev zlib1g-dev pkg-config util-linux curl git make python3 python3-venv gcc libc6-dev busybox-static
          openssh-client fakeroot tmux screen)
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

