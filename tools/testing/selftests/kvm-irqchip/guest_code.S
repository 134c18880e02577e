/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test guest of guest.h: 32-bit protected mode, no paging.  It runs at
 * GUEST_CODE_GPA, copied there from the host's read-only data, so it uses
 * no absolute address of its own: jumps are relative, and its IDT (built
 * by the host) points at guest_image_stubs + v * GUEST_STUB_SIZE.
 *
 * On entry the host has set flat %cs/%ds/%es/%ss, %esp to this vCPU's
 * stack and %fs to a segment based at this vCPU's struct guest_page, so
 * the same code serves every vCPU without knowing its index.
 */
#include "guest.h"

	.section .note.GNU-stack, "", @progbits

	.section .rodata.kic_guest_image, "a"
	.code32
	.balign	GUEST_STUB_SIZE

	.globl	guest_image_start
guest_image_start:

	.globl	guest_image_entry
guest_image_entry:
	testl	$GUEST_CFG_LDR, %fs:GUEST_PG_FLAGS
	jz	1f
	movl	%fs:GUEST_PG_DFR, %eax
	movl	%eax, GUEST_APIC_DFR
	movl	%fs:GUEST_PG_LDR, %eax
	movl	%eax, GUEST_APIC_LDR
1:	movl	%fs:GUEST_PG_TPR, %eax
	movl	%eax, GUEST_APIC_TPR
	/* A software-disabled LAPIC drops fixed interrupts: enable it first. */
	movl	$GUEST_SVR_ENABLE, GUEST_APIC_SVR
	sti
	movl	$(GUEST_REPORT_READY << 8), %eax
	movw	$GUEST_REPORT_PORT, %dx
	outl	%eax, %dx
2:	hlt
	jmp	2b

/*
 * An interrupt: count it, EOI, then report.  The report comes last so
 * that the host, woken by it, finds the count in memory and has already
 * seen the KVM_EXIT_IOAPIC_EOI that the EOI write may cause.
 */
irq:
	pushl	%eax
	pushl	%edx
	movl	8(%esp), %eax			/* vector, pushed by the stub */
	incl	%fs:GUEST_PG_COUNT(, %eax, 4)
	incl	%fs:GUEST_PG_TOTAL
	movl	$0, GUEST_APIC_EOI
	orl	$(GUEST_REPORT_IRQ << 8), %eax
	movw	$GUEST_REPORT_PORT, %dx
	outl	%eax, %dx
	popl	%edx
	popl	%eax
	addl	$4, %esp
	iret

/* An exception: record it, report it, stop this vCPU. */
fault:
	pushl	%eax
	movl	4(%esp), %eax			/* vector */
	movl	%eax, %fs:GUEST_PG_FAULT
	movl	8(%esp), %eax			/* error code, or 0 */
	movl	%eax, %fs:GUEST_PG_FAULT + 4
	movl	12(%esp), %eax			/* eip */
	movl	%eax, %fs:GUEST_PG_FAULT + 8
	movl	16(%esp), %eax			/* cs */
	movl	%eax, %fs:GUEST_PG_FAULT + 12
	movl	20(%esp), %eax			/* eflags */
	movl	%eax, %fs:GUEST_PG_FAULT + 16
	movl	4(%esp), %eax
	orl	$(GUEST_REPORT_FAULT << 8), %eax
	movw	$GUEST_REPORT_PORT, %dx
	outl	%eax, %dx
3:	cli
	hlt
	jmp	3b

/*
 * One stub per vector, GUEST_STUB_SIZE apart: push the vector (after a
 * dummy error code for the exceptions the CPU pushes none for) and jump
 * to the common code.
 */
	.balign	GUEST_STUB_SIZE
	.globl	guest_image_stubs
guest_image_stubs:
	.set	vec, 0
	.rept	256
	.balign	GUEST_STUB_SIZE
	.if vec < 32
	.if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
	.else
	pushl	$0
	.endif
	pushl	$vec
	jmp	fault
	.else
	pushl	$vec
	jmp	irq
	.endif
	.set	vec, vec + 1
	.endr

	.globl	guest_image_end
guest_image_end:
	.code64
