#!/bin/bash
# Print the kernel headers directory of the test kernel (used by Makefile).
set -eu
. "$(dirname "$0")/common.sh"
kic_kdir
