#!/bin/bash
# Boot the test VM on the cached kernel and an initramfs; the serial
# console is streamed to stdout and saved to a log for summary.sh.
# Usage: boot.sh check|run|bench|check-debug INITRAMFS LOG
# Env: KIC_ARCH (x86_64, arm64, ppc64le: the lane, common.sh; the cross
# lanes always run under TCG), KIC_ACCEL (kvm|tcg, default: kvm when
# usable), KIC_TCG_THREAD
# (single|multi, default single), KIC_VM_TIMEOUT
# (whole VM, s, default 900), KIC_TEST_TIMEOUT (per binary, s, default
# 600), KIC_VM_CPUS (2), KIC_VM_MEM (2G), KIC_KERNEL (directory with the
# vmlinuz to boot, default: the Debian kernel of fetch-kernel.sh),
# KIC_LOG_BUF_LEN (kernel log size, default 16M), KIC_EXPECT (features
# the tests must find, default: kic_expect of KIC_MODULE_KO, common.sh).
set -eu
. "$(dirname "$0")/common.sh"

MODE=$1 INITRD=$2 LOG=$3
KERNEL=$(kic_kernel)/$IMAGE
VM_TIMEOUT=${KIC_VM_TIMEOUT:-900}

# quiet: only errors reach the console live (full dmesg is printed at the
# end); panic=-1 plus -no-reboot turns a panic into a qemu exit. Oopses
# stay non-fatal so the run goes on and reports them.
CMDLINE="console=$CONSOLE quiet panic=-1 kic.mode=$MODE"
CMDLINE="$CMDLINE kic.timeout=${KIC_TEST_TIMEOUT:-600}"
# The whole log is read once, at the end: room for all of it (a fuzzer or
# a splat storm must not push the first records out; /init checks that
# nothing was lost). The kernel ignores a size below its built-in one.
CMDLINE="$CMDLINE log_buf_len=${KIC_LOG_BUF_LEN:-16M}"
# What the tests must find here: a test skipping for want of it fails.
CMDLINE="$CMDLINE kic.expect=$(kic_expect "${KIC_MODULE_KO:-$DEFAULT_KO}")"
# Test knobs: a word without a dot is handed to /init as an environment
# variable, which every test inherits.
for v in KIC_FUZZ_IOCTLS KIC_FUZZ_SECONDS KIC_FUZZ_SEED KIC_SOAK_SECONDS \
	KIC_SEED KIC_CONF_SECONDS KIC_CONF_MIN_SCALE KIC_CONF_BRIDGE_SECONDS \
	KIC_SCALE_ROUTES KIC_SCALE_IRQFDS; do
	if [ -n "${!v:-}" ]; then CMDLINE="$CMDLINE $v=${!v}"; fi
done

# qemu $1=kvm|tcg; returns qemu's exit status (124: timed out).
qemu() {
	local accel tcg="-accel tcg,thread=${KIC_TCG_THREAD:-single}"
	case $KIC_ARCH:$1 in
	x86_64:kvm) accel="-accel kvm -cpu host" ;;
	# Single-threaded TCG: with thread=multi the guest froze in about one
	# boot in three while its nested KVM was in use (seen with a program
	# calling only KVM ioctls); none froze in twelve single-threaded boots.
	# Both vCPUs still interleave, preempted, so races stay exercised.
	x86_64:tcg) accel="$tcg -cpu EPYC,+svm,+npt" ;;
	# The kernel starts at EL2 (virtualization=on), so its built-in KVM
	# comes up (VHE) and the GICv3 gives the guest's vGIC a host GIC.
	arm64:tcg) accel="-M virt,virtualization=on,gic-version=3 -cpu max $tcg" ;;
	# KVM on Debian's ppc64el kernel is kvm-hv only, which runs as a
	# nested hypervisor when the machine offers it (cap-nested-hv).
	ppc64le:tcg) accel="-M pseries,cap-nested-hv=on -cpu POWER9 $tcg -vga none" ;;
	x86_64:*) die "KIC_ACCEL must be kvm or tcg" ;;
	*) die "KIC_ACCEL must be tcg for $KIC_ARCH" ;;
	esac
	say "booting $KERNEL ($1), log: $LOG"
	set +e
	# shellcheck disable=SC2086
	timeout -k 10 "$VM_TIMEOUT" "$QEMU" $accel \
		-smp "${KIC_VM_CPUS:-2}" -m "${KIC_VM_MEM:-2G}" \
		-nographic -no-reboot -nic none \
		-kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE" \
		</dev/null 2> >(grep -v "TCG doesn't support requested feature" >&2) |
		sed -u 's/\r//g' | tee "$LOG"	# unbuffered: the log follows the VM live
	local rc=${PIPESTATUS[0]}
	set -e
	[ "$rc" = 124 ] && echo "### VM TIMEOUT after ${VM_TIMEOUT}s" | tee -a "$LOG"
	return "$rc"
}

command -v "$QEMU" >/dev/null ||
	die "no $QEMU to boot the $KIC_ARCH VM; run 'make setup' (as root)"
mkdir -p "$(dirname "$LOG")"
if [ -n "${KIC_ACCEL:-}" ]; then
	qemu "$KIC_ACCEL"
# KVM only helps when the host can also give the guest SVM/VMX (nested),
# because the guest must load kvm-amd/kvm-intel itself.
elif [ "$KIC_ARCH" = x86_64 ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] &&
	grep -qwE 'svm|vmx' /proc/cpuinfo; then
	# A KVM that cannot run this VM at all falls back to TCG.
	qemu kvm || grep -q '### VM up' "$LOG" || qemu tcg
else
	qemu tcg
fi
