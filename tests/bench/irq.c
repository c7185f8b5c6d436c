// SPDX-License-Identifier: GPL-2.0
/*
 * Interrupt benchmarks with the in-kernel irqchip (KVM_CREATE_IRQCHIP), run
 * on kvm.ko and vireo.ko in the same test VM by scripts/bench.sh. Each
 * figure is time per operation, lower is better; only ratios between the
 * two modules mean anything under TCG.
 *
 *   ipi_roundtrip_xapic   vCPU 0 sends a fixed IPI (vector 0x40) to vCPU 1,
 *   ipi_roundtrip_x2apic  whose handler sends one back (0x41) and EOIs; vCPU
 *                         0 waits for it with STI;HLT, EOIs, and goes again.
 *                         Real-mode guest, the APIC through its xAPIC page
 *                         (ICR high then low, as Linux's xAPIC driver) or
 *                         its x2APIC MSRs. Both vCPUs have a host thread;
 *                         the host clock runs around vCPU 0's KVM_RUN that
 *                         does IPI_ITERS round trips, then exits with an OUT.
 *   irqfd_msi             the host writes an eventfd bound with KVM_IRQFD to
 *   irqfd_ioapic          an MSI route (vector 0x30 to APIC ID 0), or to GSI
 *                         10, an edge pin of the in-kernel I/O APIC by the
 *                         default routes; the guest's handler acknowledges
 *                         with an OUT (an exit to userspace). From the
 *                         write() to KVM_RUN's return in the vCPU's thread,
 *                         with the vCPU halted (STI;HLT, asleep in the
 *                         kernel) at the write: the host waits for the vCPU
 *                         thread to sleep before each write, so kvm.ko's
 *                         halt polling is over by then (vireo.ko never
 *                         polls): both wake a sleeping thread.
 *
 * After each BENCH line a "#" line gives each vCPU's exits per operation
 * over the timed batches, all of them and those for a host interrupt
 * ("exits" and "irq_exits" of KVM_GET_STATS_FD, which both modules count).
 *
 * As exits.c: BATCHES timed batches after an untimed warm-up batch, none
 * with a VM's first entry; the BENCH line gives the median of the batch
 * means, a "#" line before it every batch mean.
 */
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"
#include "vireo_test.h"
#include "irqchip_vm.h"

#define IPI_ITERS	400	/* round trips per batch */
#define IRQFD_ITERS	200	/* interrupts per batch */
#define APIC_BASE	0xfee00000u
#define FLAG		0x500	/* guest data: the pong arrived */
#define COUNT		0x504	/* round trips of the next batch */
#define SHADOW		0x508	/* pongs taken in STI's shadow (see below) */
#define STACK0		0x8000
#define STACK1		0x9000
#define PORT_DONE	0x10
#define PORT_AP		0x11
#define PORT_ACK	0x98
#define VEC_PING	0x40
#define VEC_PONG	0x41
#define VEC_MSI		0x30
#define VEC_IOAPIC	0x31
#define GSI_MSI		24
#define GSI_IOAPIC	10
#define WAIT_S		30	/* a batch that takes longer is a failure */
#define STR(x)		#x
#define XSTR(x)		STR(x)

/*
 * Real-mode guests (CS base 0, FS base at the xAPIC page): an APIC
 * register write, an IPI, the x2APIC switch. The handlers keep every
 * register; vCPU 0's loop counts in SI, which the macros leave alone.
 *
 * Under QEMU's TCG AMD-V (the test VM), on kvm.ko and vireo.ko alike, an
 * interrupt sometimes arrives between STI and HLT, in STI's shadow (a few
 * round trips in 10^4; the "#" line after each BENCH line counts them):
 * vCPU 0 would then sleep in HLT on a pong it already took, with nothing
 * left to wake it. Its handler steps the return address over that HLT.
 */
asm(".pushsection .rodata\n"
    ".code16\n"
    ".macro apicw reg, val, x2\n"
    ".if \\x2\n"
    "	mov $(0x800 + (\\reg >> 4)), %ecx\n"
    "	mov $\\val, %eax\n"
    "	xor %edx, %edx\n"
    "	wrmsr\n"
    ".else\n"
    "	movl $\\val, %fs:\\reg\n"
    ".endif\n"
    ".endm\n"
    ".macro ipi vec, dest, x2\n"
    ".if \\x2\n"
    "	mov $0x830, %ecx\n"
    "	mov $(0x4000 | \\vec), %eax\n"
    "	mov $\\dest, %edx\n"
    "	wrmsr\n"
    ".else\n"
    "	movl $(\\dest << 24), %fs:0x310\n"
    "	movl $(0x4000 | \\vec), %fs:0x300\n"
    ".endif\n"
    ".endm\n"
    ".macro x2on x2\n"
    ".if \\x2\n"
    "	mov $0x1b, %ecx\n"
    "	rdmsr\n"
    "	or $0xc00, %eax\n"
    "	wrmsr\n"
    ".endif\n"
    ".endm\n"
    ".macro ipi_guest name, x2\n"
    "\\name\\()_bsp:\n"
    "	x2on \\x2\n"
    "	apicw 0xf0, 0x1ff, \\x2\n"
    "	out %al, $" XSTR(PORT_DONE) "\n"
    "1:	mov " XSTR(COUNT) ", %si\n"
    "2:	movw $0, " XSTR(FLAG) "\n"
    "	ipi " XSTR(VEC_PING) ", 1, \\x2\n"
    "3:	cli\n"
    "	cmpw $0, " XSTR(FLAG) "\n"
    "	jne 4f\n"
    "	sti\n"
    "\\name\\()_hlt:\n"
    "	hlt\n"
    "	jmp 3b\n"
    "4:	dec %si\n"
    "	jnz 2b\n"
    "	out %al, $" XSTR(PORT_DONE) "\n"
    "	jmp 1b\n"
    "\\name\\()_pong:\n"
    "	push %eax\n	push %ecx\n	push %edx\n	push %bp\n"
    "	mov %sp, %bp\n"
    "	cmpw $(" XSTR(CODE) " + \\name\\()_hlt - \\name\\()_bsp), 14(%bp)\n"
    "	jne 6f\n"
    "	incw 14(%bp)\n"
    "	incw " XSTR(SHADOW) "\n"
    "6:	movw $1, " XSTR(FLAG) "\n"
    "	apicw 0xb0, 0, \\x2\n"
    "	pop %bp\n	pop %edx\n	pop %ecx\n	pop %eax\n"
    "	iret\n"
    "\\name\\()_ap:\n"
    "	x2on \\x2\n"
    "	apicw 0xf0, 0x1ff, \\x2\n"
    "	out %al, $" XSTR(PORT_AP) "\n"
    "5:	sti\n"
    "	hlt\n"
    "	jmp 5b\n"
    "\\name\\()_ping:\n"
    "	push %eax\n	push %ecx\n	push %edx\n"
    "	ipi " XSTR(VEC_PONG) ", 0, \\x2\n"
    "	apicw 0xb0, 0, \\x2\n"
    "	pop %edx\n	pop %ecx\n	pop %eax\n"
    "	iret\n"
    "\\name\\()_end:\n"
    ".endm\n"
    "ipi_guest g_xapic, 0\n"
    "ipi_guest g_x2apic, 1\n"
    /* irqfd: 8259s masked, APIC on, then halted until an interrupt. */
    "g_irqfd:\n"
    "	mov $0xff, %al\n"
    "	out %al, $0x21\n"
    "	out %al, $0xa1\n"
    "	movl $0x1ff, %fs:0xf0\n"
    "	out %al, $" XSTR(PORT_DONE) "\n"
    "1:	sti\n"
    "	hlt\n"
    "	jmp 1b\n"
    "g_irqfd_handler:\n"
    "	out %al, $" XSTR(PORT_ACK) "\n"
    "	movl $0, %fs:0xb0\n"
    "	iret\n"
    "g_irqfd_end:\n"
    ".code64\n"
    ".popsection\n");

extern const char g_xapic_bsp[], g_xapic_pong[], g_xapic_ap[],
	g_xapic_ping[], g_xapic_end[];
extern const char g_x2apic_bsp[], g_x2apic_pong[], g_x2apic_ap[],
	g_x2apic_ping[], g_x2apic_end[];
extern const char g_irqfd[], g_irqfd_handler[], g_irqfd_end[];

static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	alarmed = 1;
}

static void on_usr1(int sig)
{
}

static void fail(const char *what)
{
	fprintf(stderr, "bench: %s\n", what);
	exit(1);
}

/* Guest memory: a 16-bit word, and a real-mode IVT entry at offset @at. */
static void set_vector(struct vt_vm *t, unsigned int vec, uint32_t at)
{
	uint16_t *ivt = (uint16_t *)t->mem;

	ivt[vec * 2] = at;
	ivt[vec * 2 + 1] = 0;
}

/* The VM with its APIC page at FS and the stack at STACK0. */
static void guest_vm(struct vt_vm *t, const char *start, const char *end)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	errno = -chip_vm(t, WITH_IRQCHIP, start, end - start);
	if (errno)
		die("a VM with KVM_CREATE_IRQCHIP");
	if (ioctl(t->vcpu, KVM_GET_SREGS, &s))
		die("KVM_GET_SREGS");
	s.fs.base = APIC_BASE;
	if (ioctl(t->vcpu, KVM_SET_SREGS, &s))
		die("KVM_SET_SREGS");
	if (ioctl(t->vcpu, KVM_GET_REGS, &r))
		die("KVM_GET_REGS");
	r.rsp = STACK0;
	if (ioctl(t->vcpu, KVM_SET_REGS, &r))
		die("KVM_SET_REGS");
}

/* The supported CPUID with x2APIC, as Linux's KVM clients give it. */
static void set_x2apic_cpuid(int sys, int vcpu)
{
	static struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[100];
	} buf;
	unsigned int i;

	buf.c.nent = 100;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, &buf))
		die("KVM_GET_SUPPORTED_CPUID");
	for (i = 0; i < buf.c.nent; i++)
		if (buf.e[i].function == 1)
			buf.e[i].ecx |= 1u << 21;
	if (ioctl(vcpu, KVM_SET_CPUID2, &buf))
		die("KVM_SET_CPUID2");
}

/*
 * KVM_RUN until the guest's OUT to @port: 0, or -1 when the alarm (WAIT_S)
 * ended a guest that never got there. EAGAIN is kvm.ko's "run again".
 */
static int run_to(int fd, struct kvm_run *run, uint16_t port)
{
	alarmed = 0;
	alarm(WAIT_S);
	for (;;) {
		if (ioctl(fd, KVM_RUN, 0)) {
			if (alarmed)
				return -1;
			if (errno == EINTR || errno == EAGAIN)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason == KVM_EXIT_IO && run->io.port == port)
			break;
		fprintf(stderr, "bench: exit %s (%u), port %#x, not port %#x\n",
			vt_exit_name(run->exit_reason), run->exit_reason,
			run->exit_reason == KVM_EXIT_IO ? run->io.port : 0,
			port);
		exit(1);
	}
	alarm(0);
	return 0;
}

/*
 * A vCPU's "exits" and "irq_exits" (KVM_GET_STATS_FD). The fd comes before
 * the vCPU runs (kvm.ko takes the vCPU's mutex for the ioctl, which a
 * halted KVM_RUN holds); reading it takes no lock.
 */
struct exits {
	int fd;
	uint32_t off[2];
	uint64_t v[2];
};

static const char *const exit_stat[2] = { "exits", "irq_exits" };

static void exits_open(struct exits *e, int vcpu)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsz;
	char *buf;
	int found = 0;

	e->fd = ioctl(vcpu, KVM_GET_STATS_FD, NULL);
	if (e->fd < 0)
		die("KVM_GET_STATS_FD");
	if (pread(e->fd, &h, sizeof(h), 0) != sizeof(h))
		die("read the statistics header");
	dsz = sizeof(*d) + h.name_size;
	buf = calloc(h.num_desc, dsz);
	if (!buf)
		die("calloc");
	if (pread(e->fd, buf, h.num_desc * dsz, h.desc_offset) !=
	    (ssize_t)(h.num_desc * dsz))
		die("read the statistics descriptors");
	for (uint32_t i = 0; i < h.num_desc; i++) {
		d = (struct kvm_stats_desc *)(buf + i * dsz);
		for (int k = 0; k < 2; k++)
			if (!strcmp(d->name, exit_stat[k])) {
				e->off[k] = h.data_offset + d->offset;
				found |= 1 << k;
			}
	}
	free(buf);
	if (found != 3)
		fail("no exits or irq_exits statistic");
}

static void exits_read(struct exits *e, uint64_t v[2])
{
	for (int k = 0; k < 2; k++)
		if (pread(e->fd, &v[k], sizeof(v[k]), e->off[k]) != sizeof(v[k]))
			die("read a statistic");
}

static void exits_start(struct exits *e)
{
	exits_read(e, e->v);
}

/* "# NAME: vCPU N exits per op ..." since exits_start(). */
static void exits_report(const char *name, int n, struct exits *e, int ops)
{
	uint64_t v[2];

	exits_read(e, v);
	printf("# %s: vCPU %d, per operation: %.2f exits, %.2f irq_exits\n",
	       name, n, (double)(v[0] - e->v[0]) / ops,
	       (double)(v[1] - e->v[1]) / ops);
	close(e->fd);
}

/* The other vCPU's thread: KVM_RUN until told to stop. */
struct peer {
	int fd;
	struct kvm_run *run;
	pthread_t th;
	pid_t tid;
	volatile int stop;
	sem_t sem;		/* posted at each OUT of the guest */
	double t_out;		/* host clock at the last OUT's return */
	uint16_t port;
	int err;
};

static void *peer_thread(void *arg)
{
	struct peer *p = arg;

	p->tid = syscall(SYS_gettid);
	while (!p->stop) {
		if (ioctl(p->fd, KVM_RUN, 0)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			p->err = errno;
			break;
		}
		if (p->run->exit_reason != KVM_EXIT_IO) {
			p->err = -(int)p->run->exit_reason;
			break;
		}
		p->t_out = now_us();
		p->port = p->run->io.port;
		sem_post(&p->sem);
	}
	sem_post(&p->sem);
	return NULL;
}

/* SIGALRM for the main thread only: it interrupts vCPU 0's KVM_RUN. */
static void peer_start(struct peer *p)
{
	sigset_t set, old;

	sem_init(&p->sem, 0, 0);
	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (pthread_create(&p->th, NULL, peer_thread, p))
		fail("pthread_create");
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* Wait for the peer's next OUT, to @port. */
static void peer_wait(struct peer *p, uint16_t port)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_S;
	while (sem_timedwait(&p->sem, &ts)) {
		if (errno != EINTR)
			fail("the other vCPU did not exit in time");
	}
	if (p->err > 0) {
		errno = p->err;
		die("KVM_RUN on the other vCPU");
	}
	if (p->err < 0 || p->port != port) {
		fprintf(stderr, "bench: the other vCPU: exit %d, port %#x\n",
			-p->err, p->port);
		exit(1);
	}
}

/* immediate_exit ends a KVM_RUN about to start, the signal one under way. */
static void peer_stop(struct peer *p)
{
	p->stop = 1;
	p->run->immediate_exit = 1;
	pthread_kill(p->th, SIGUSR1);
	pthread_join(p->th, NULL);
	sem_destroy(&p->sem);
}

/* A vCPU's place and its APIC's IRR and ISR, for a guest that got stuck. */
static void dump_vcpu(int i, int fd)
{
	struct kvm_lapic_state l;
	struct kvm_mp_state mp = { 0 };
	struct kvm_regs r = { 0 };
	uint32_t v;
	int k;

	ioctl(fd, KVM_GET_REGS, &r);
	ioctl(fd, KVM_GET_MP_STATE, &mp);
	printf("# vCPU %d: rip %#llx rflags %#llx si %llu mp_state %u", i,
	       (unsigned long long)r.rip, (unsigned long long)r.rflags,
	       (unsigned long long)r.rsi, mp.mp_state);
	if (!ioctl(fd, KVM_GET_LAPIC, &l)) {
		for (k = 0; k < 8; k++) {
			memcpy(&v, l.regs + 0x100 + k * 0x10, 4);
			if (v)
				printf(" ISR[%d] %#x", k, v);
			memcpy(&v, l.regs + 0x200 + k * 0x10, 4);
			if (v)
				printf(" IRR[%d] %#x", k, v);
		}
	}
	printf("\n");
}

static void ipi_bench(const char *name, int x2, const char *start,
		      const char *pong, const char *ap, const char *ping,
		      const char *end)
{
	double mean[MAX_BATCHES], t0;
	struct exits e0, e1;
	struct peer p = { 0 };
	struct vt_vm t;
	int i;

	guest_vm(&t, start, end);
	set_vector(&t, VEC_PONG, CODE + (pong - start));
	set_vector(&t, VEC_PING, CODE + (ping - start));
	p.fd = chip_vcpu(&t, 1, CODE + (ap - start), STACK1, &p.run);
	if (p.fd < 0) {
		errno = -p.fd;
		die("the second vCPU");
	}
	if (x2) {
		set_x2apic_cpuid(t.sys, t.vcpu);
		set_x2apic_cpuid(t.sys, p.fd);
	}
	exits_open(&e0, t.vcpu);
	exits_open(&e1, p.fd);
	/* vCPU 1's APIC on and halted before vCPU 0's first IPI. */
	peer_start(&p);
	peer_wait(&p, PORT_AP);
	if (run_to(t.vcpu, t.run, PORT_DONE))
		goto stuck;
	*(volatile uint16_t *)(t.mem + COUNT) = IPI_ITERS;
	if (run_to(t.vcpu, t.run, PORT_DONE))
		goto stuck;
	exits_start(&e0);
	exits_start(&e1);
	for (i = 0; i < batches; i++) {
		t0 = now_us();
		if (run_to(t.vcpu, t.run, PORT_DONE))
			goto stuck;
		mean[i] = (now_us() - t0) / IPI_ITERS;
	}
	report(name, mean, "%.1f");
	exits_report(name, 0, &e0, batches * IPI_ITERS);
	exits_report(name, 1, &e1, batches * IPI_ITERS);
	printf("# %s: %u pongs taken between STI and HLT\n", name,
	       *(volatile uint16_t *)(t.mem + SHADOW));
	peer_stop(&p);
	munmap(p.run, t.run_size);
	close(p.fd);
	vt_vm_destroy(&t);
	return;
stuck:
	peer_stop(&p);
	printf("# %s: no round trip for %d s; flag %u\n", name, WAIT_S,
	       *(volatile uint16_t *)(t.mem + FLAG));
	dump_vcpu(0, t.vcpu);
	dump_vcpu(1, p.fd);
	exit(1);
}

/* The thread's state in /proc (R, S, D...). */
static char thread_state(pid_t tid)
{
	char path[64], buf[256], *c;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die("open the vCPU thread's stat");
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		die("read the vCPU thread's stat");
	buf[n] = 0;
	c = strrchr(buf, ')');
	return c && c[1] == ' ' ? c[2] : '?';
}

/* Until the vCPU's thread sleeps: the guest halted in the kernel. */
static void wait_asleep(struct peer *p)
{
	double t0 = now_us();
	char st;

	while ((st = thread_state(p->tid)) != 'S' && st != 'D') {
		if (now_us() - t0 > WAIT_S * 1e6)
			fail("the vCPU thread never slept in HLT");
		sched_yield();
	}
}

/* @iters interrupts through the irqfd, each from a halted vCPU: us each. */
static double irqfd_batch(struct peer *p, int efd, int iters)
{
	const uint64_t one = 1;
	double sum = 0, t0;

	for (int i = 0; i < iters; i++) {
		wait_asleep(p);
		t0 = now_us();
		if (write(efd, &one, sizeof(one)) != sizeof(one))
			die("write the irqfd's eventfd");
		peer_wait(p, PORT_ACK);
		sum += p->t_out - t0;
	}
	return sum / iters;
}

static void irqfd_bench(const char *name, int ioapic)
{
	struct {
		struct kvm_irq_routing r;
		struct kvm_irq_routing_entry e[1];
	} rt = { .r.nr = 1 };
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_IOAPIC };
	double mean[MAX_BATCHES];
	struct kvm_irqfd irqfd = { 0 };
	struct exits e;
	struct peer p = { 0 };
	struct vt_vm t;
	int efd, i;

	guest_vm(&t, g_irqfd, g_irqfd_end);
	set_vector(&t, ioapic ? VEC_IOAPIC : VEC_MSI,
		   CODE + (g_irqfd_handler - g_irqfd));
	if (ioapic) {
		/* The pin edge-triggered, fixed, to APIC ID 0, unmasked. */
		if (ioctl(t.vm, KVM_GET_IRQCHIP, &chip))
			die("KVM_GET_IRQCHIP");
		chip.chip.ioapic.redirtbl[GSI_IOAPIC].bits = VEC_IOAPIC;
		if (ioctl(t.vm, KVM_SET_IRQCHIP, &chip))
			die("KVM_SET_IRQCHIP");
		irqfd.gsi = GSI_IOAPIC;
	} else {
		rt.e[0].gsi = GSI_MSI;
		rt.e[0].type = KVM_IRQ_ROUTING_MSI;
		rt.e[0].u.msi.address_lo = APIC_BASE;
		rt.e[0].u.msi.data = VEC_MSI;
		if (ioctl(t.vm, KVM_SET_GSI_ROUTING, &rt))
			die("KVM_SET_GSI_ROUTING");
		irqfd.gsi = GSI_MSI;
	}
	efd = eventfd(0, EFD_CLOEXEC);
	if (efd < 0)
		die("eventfd");
	irqfd.fd = efd;
	if (ioctl(t.vm, KVM_IRQFD, &irqfd))
		die("KVM_IRQFD");
	exits_open(&e, t.vcpu);
	/* The vCPU runs in its own thread; this one writes the eventfd. */
	p.fd = t.vcpu;
	p.run = t.run;
	peer_start(&p);
	peer_wait(&p, PORT_DONE);
	irqfd_batch(&p, efd, IRQFD_ITERS);
	exits_start(&e);
	for (i = 0; i < batches; i++)
		mean[i] = irqfd_batch(&p, efd, IRQFD_ITERS);
	report(name, mean, "%.1f");
	exits_report(name, 0, &e, batches * IRQFD_ITERS);
	peer_stop(&p);
	close(efd);
	vt_vm_destroy(&t);
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (bench_batches())
		return 1;
	/* No SA_RESTART: both must interrupt KVM_RUN. */
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	ipi_bench("ipi_roundtrip_xapic", 0, g_xapic_bsp, g_xapic_pong,
		  g_xapic_ap, g_xapic_ping, g_xapic_end);
	ipi_bench("ipi_roundtrip_x2apic", 1, g_x2apic_bsp, g_x2apic_pong,
		  g_x2apic_ap, g_x2apic_ping, g_x2apic_end);
	irqfd_bench("irqfd_msi", 0);
	irqfd_bench("irqfd_ioapic", 1);
	return 0;
}
