#!/usr/bin/env bash
# Installs what kiln's integration tests drive for real, when it is missing:
# Java 17 + Maven + unzip (local Elasticsearch), packer + ansible-core + sshd (bake tests),
# moto (AWS APIs), systemd-journal-remote (real journal files for the journald tests and demo),
# Go (the drift change feed).
# Debian packages via apt-get, moto via pip. Idempotent; needs root for apt.
set -euo pipefail
need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
command -v unzip >/dev/null || need_apt+=(unzip)
command -v packer >/dev/null || need_apt+=(packer)
command -v ansible-playbook >/dev/null || need_apt+=(ansible-core)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v ssh-keygen >/dev/null || need_apt+=(openssh-client)
command -v rsync >/dev/null || need_apt+=(rsync)
command -v journalctl >/dev/null || need_apt+=(systemd)
# Go builds the drift change feed (native/drift-feed); an older Debian Go fetches the toolchain
# go.mod names through the module proxy.
command -v go >/dev/null || [ -x /usr/local/go/bin/go ] || need_apt+=(golang-go)
[ -x /lib/systemd/systemd-journal-remote ] || [ -x /usr/lib/systemd/systemd-journal-remote ] ||
  need_apt+=(systemd-journal-remote)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "kiln: missing ${need_apt[*]}; install them (as root: apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
  echo "kiln: apt-get install ${need_apt[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if ! python3 -c 'import moto.server' 2>/dev/null; then
  echo "kiln: pip install moto[server]" >&2
  # A Debian-managed python3 refuses plain pip installs (PEP 668); moto is test-only, so allow it there.
  python3 -m pip install -q 'moto[server]>=5' 2>/dev/null ||
    python3 -m pip install -q --break-system-packages 'moto[server]>=5'
fi
