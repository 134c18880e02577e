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
	/* Idle: whatever woke us, look for a command. */
2:	hlt
	movl	%fs:GUEST_PG_CMD_SEQ, %eax
	cmpl	%eax, %fs:GUEST_PG_DONE_SEQ
	je	2b
	call	run_ops
	jmp	2b

/*
 * Command %eax: make each op's access in order, then mark the command
 * done and report it.  Interrupts stay enabled; the handler below keeps
 * every register but %eax and %edx, and those it saves.
 */
run_ops:
	pushl	%ebx
	pushl	%ecx
	pushl	%esi
	movl	%eax, %esi
	xorl	%ebx, %ebx
1:	cmpl	%fs:GUEST_PG_NR_OPS, %ebx
	jae	9f
	movl	%ebx, %ecx
	shll	$4, %ecx			/* GUEST_OP_SIZE */
	movl	%fs:GUEST_PG_OPS + 4(%ecx), %edx	/* addr */
	movl	%fs:GUEST_PG_OPS + 8(%ecx), %eax	/* val */
	cmpl	$GUEST_OP_OUTB, %fs:GUEST_PG_OPS(%ecx)
	jne	3f
	outb	%al, %dx
	jmp	8f
3:	cmpl	$GUEST_OP_INB, %fs:GUEST_PG_OPS(%ecx)
	jne	4f
	xorl	%eax, %eax
	inb	%dx, %al
	jmp	7f
4:	cmpl	$GUEST_OP_WRITE32, %fs:GUEST_PG_OPS(%ecx)
	jne	5f
	movl	%eax, (%edx)
	jmp	8f
5:	cmpl	$GUEST_OP_READ32, %fs:GUEST_PG_OPS(%ecx)
	jne	8f				/* unknown: skipped */
	movl	(%edx), %eax
7:	movl	%eax, %fs:GUEST_PG_OPS + 12(%ecx)	/* res */
8:	incl	%ebx
	jmp	1b
9:	movl	%esi, %fs:GUEST_PG_DONE_SEQ
	movl	%esi, %eax
	andl	$0xff, %eax
	orl	$(GUEST_REPORT_DONE << 8), %eax
	movw	$GUEST_REPORT_PORT, %dx
	outl	%eax, %dx
	popl	%esi
	popl	%ecx
	popl	%ebx
	ret

/*
 * An interrupt: count it, EOI it as its mode says, then report.  The
 * report comes last so that the host, woken by it, finds the count in
 * memory and has already seen the KVM_EXIT_IOAPIC_EOI (or the 8259 port
 * write) that the EOI causes.
 *
 * A vector the LAPIC accepted is in service (ISR) until our EOI.  Under
 * nested virtualization on TCG the host's CPU model has been seen to run
 * a handler a second time for one acceptance, after its EOI: with the
 * vector no longer in service.  Such a re-run is counted apart (ghost),
 * not EOIed and not reported; no delivery, ours or KVM's, can produce it.
 */
irq:
	pushl	%eax
	pushl	%edx
	movl	8(%esp), %eax			/* vector, pushed by the stub */
	cmpb	$GUEST_EOI_LAPIC, %fs:GUEST_PG_EOI_MODE(%eax)
	jne	1f
	pushl	%ecx
	movl	%eax, %ecx
	shrl	$5, %ecx
	shll	$4, %ecx			/* the ISR register of the vector */
	movl	GUEST_APIC_ISR(%ecx), %edx
	movl	%eax, %ecx
	andl	$31, %ecx
	btl	%ecx, %edx
	popl	%ecx
	jc	1f
	incl	%fs:GUEST_PG_GHOST
	jmp	7f
1:	incl	%fs:GUEST_PG_COUNT(, %eax, 4)
	incl	%fs:GUEST_PG_TOTAL
	movzbl	%fs:GUEST_PG_EOI_MODE(%eax), %edx
	testl	%edx, %edx			/* GUEST_EOI_LAPIC */
	jnz	4f
	movl	$0, GUEST_APIC_EOI
	jmp	5f
4:	cmpl	$GUEST_EOI_PIC_MASTER, %edx
	jb	5f				/* GUEST_EOI_NONE */
	pushl	%eax
	movb	$0x20, %al			/* OCW2: non-specific EOI */
	cmpl	$GUEST_EOI_PIC_SLAVE, %edx
	jne	6f
	outb	%al, $0xa0
6:	outb	%al, $0x20
	popl	%eax
5:	orl	$(GUEST_REPORT_IRQ << 8), %eax
	movw	$GUEST_REPORT_PORT, %dx
	outl	%eax, %dx
7:	popl	%edx
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
