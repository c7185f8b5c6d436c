#!/usr/bin/env bash
# make demo: boot the test VM, load vireo.ko, run a Linux guest under the
# vireo VMM and show its console.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
exec "$top/scripts/vm.sh" --mode vireo --timeout 600 -- /vireo/demo
