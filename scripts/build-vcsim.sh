#!/usr/bin/env bash
# Build govmomi's vcsim (scripts/vcsim/main.go against Debian's golang-github-vmware-govmomi-dev) once, into
# .cache/vcsim/vcsim inside the checkout; rebuilt only when main.go is newer than the binary. The tests of the SOAP
# client run against it (tests/vsphere/vcsim.py). Needs the Debian packages golang-go and
# golang-github-vmware-govmomi-dev (scripts/setup.sh installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/vcsim
mkdir -p "$out/gopath/src/vmconsole/vcsim"
if [[ -x $out/vcsim && ! scripts/vcsim/main.go -nt $out/vcsim ]]; then
  exit 0
fi
cp scripts/vcsim/main.go "$out/gopath/src/vmconsole/vcsim/main.go"
GOPATH="$(pwd)/$out/gopath:/usr/share/gocode" GO111MODULE=off GOCACHE="$(pwd)/$out/gocache" \
  go build -o "$out/vcsim" vmconsole/vcsim
echo "built $out/vcsim"
