// SPDX-License-Identifier: GPL-2.0
/*
 * Network benchmark: virtio-net throughput from the guest to the host over
 * a tap device with vhost-net as the data path, for the vireo VMM on the
 * module under test (--net tap:NAME,vhost) and, on kvm.ko, for QEMU
 * (-netdev tap,vhost=on). Both run the same kernel, 256 MiB, 1 vCPU and
 * the same guest (VIREO_BENCH_NET_INITRD, made by scripts/vm/run-bench):
 * it loads the virtio-net driver, takes 10.78.0.2/24 and sends
 * NET_MIB MiB of zeros over TCP to 10.78.0.1 (tests/vm/guest/netsend.c).
 * This program is the receiver: it times from the first byte to the end
 * of the stream and prints MB/s (10^6 bytes per second; higher is better).
 *
 * Both VMMs use virtio-mmio (QEMU's -M microvm and virtio-net-device, the
 * vireo VMM's default), where neither can hand vhost an irqfd for the
 * interrupt: the used-buffer signal goes through the VMM's own thread in
 * both (the interrupt status register must be set first).
 *
 * net_vhost_tx_kirq is the vireo VMM again with --irqchip kernel (the
 * I/O APIC in the kernel too: no EOI exit for the virtio-mmio line),
 * last in every round.
 *
 * VIREO_BENCH_ROUND decides which VMM goes first: the vireo VMM in even
 * rounds, QEMU in odd ones. Exit status 1 if a transfer did not complete
 * or a VMM did not exit cleanly after the guest powered off.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QEMU		"/usr/bin/qemu-system-x86_64"
#define TAP		"vbench0"
#define HOST_IP		"10.78.0.1"
#define PORT		5001
#define NET_MIB		64
/* Warnings too: a transmit queue's watchdog says why a transfer stopped. */
#define CMDLINE		"console=ttyS0 loglevel=5 panic=-1"
#define TIMEOUT_MS	300000	/* a boot and the transfer, loaded */
/*
 * A transfer that moves nothing for this long has stopped: the guest is
 * stuck (seen on kvm.ko under the test VM's emulated AMD-V, README). It
 * is killed, said, and run again, at most ATTEMPTS times in all.
 */
#define STALL_MS	60000
#define ATTEMPTS	3

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The host's end of the tap, once the VMM has made it: up, HOST_IP/24. */
static int tap_up(void)
{
	struct ifreq ifr;
	struct sockaddr_in *a = (struct sockaddr_in *)&ifr.ifr_addr;
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;

	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, TAP);
	a->sin_family = AF_INET;
	inet_pton(AF_INET, HOST_IP, &a->sin_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr))
		goto out;
	inet_pton(AF_INET, "255.255.255.0", &a->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) || ioctl(s, SIOCGIFFLAGS, &ifr))
		goto out;
	ifr.ifr_flags |= IFF_UP;
	ret = ioctl(s, SIOCSIFFLAGS, &ifr);
out:
	close(s);
	return ret;
}

/* The VMM's output, drained so it never blocks; its tail kept in last. */
static void drain(int fd, char *last, size_t len)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t have = strlen(last), k = (size_t)n < len - 1 ? (size_t)n : len - 1;

		if (have + k > len - 1) {
			memmove(last, last + (have + k - (len - 1)), len - 1 - k);
			have = len - 1 - k;
		}
		memcpy(last + have, buf + n - k, k);
		last[have + k] = 0;
	}
	for (char *p = last; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = '|';
}

/* CPU time (ticks) of each of pid's threads: "tid:ticks ..." into buf. */
static void thread_times(pid_t pid, char *buf, size_t len)
{
	char path[64], stat[512];
	struct dirent *e;
	size_t used = 0;
	DIR *d;

	buf[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && (e = readdir(d)) && used < len) {
		unsigned long ut, st;
		char *p;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/stat", pid,
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		p = fgets(stat, sizeof(stat), f) ? strrchr(stat, ')') : NULL;
		fclose(f);
		/* After "comm) ": state, fields 4..13, then utime and stime. */
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&ut, &st) == 2)
			used += (size_t)snprintf(buf + used, len - used, "%s%s:%lu",
						 used ? " " : "", e->d_name, ut + st);
	}
	if (d)
		closedir(d);
}

/*
 * One transfer: start the VMM, bring the tap up, take the guest's
 * connection, time it. MB/s in *mbs; 0, 1 if it stalled (killed, worth
 * another attempt), or -1, each failure with a line saying why.
 */
static int run_once(const char *label, char *const argv[], double *mbs)
{
	int lfd, cfd = -1, out[2], st, up = 0, ret = -1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	unsigned long long bytes = 0;
	double t0 = 0, t1 = 0, start = now_ms();
	char last[512] = "", path[64], cpu0[512], cpu1[512];
	double progress = 0;
	int stalled = 0;
	static char buf[256 << 10];
	pid_t pid;
	int one = 1;

	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1) ||
	    pipe2(out, O_NONBLOCK)) {
		printf("# %s: listen: %s\n", label, strerror(errno));
		return -1;
	}
	pid = fork();
	if (!pid) {
		int null = open("/dev/null", O_RDONLY);

		if (null > 0) {
			dup2(null, 0);
			close(null);
		}
		dup2(out[1], 1);
		dup2(out[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	snprintf(path, sizeof(path), "/sys/class/net/%s", TAP);
	while (now_ms() - start < TIMEOUT_MS) {
		struct pollfd pf[2] = {
			{ .fd = cfd >= 0 ? cfd : lfd, .events = POLLIN },
			{ .fd = out[0], .events = POLLIN },
		};

		if (!up && access(path, F_OK) == 0) {
			if (tap_up()) {
				printf("# %s: cannot configure %s: %s\n", label, TAP,
				       strerror(errno));
				break;
			}
			up = 1;
		}
		if (poll(pf, 2, up ? 1000 : 100) < 0 && errno != EINTR)
			break;
		if (pf[1].revents)
			drain(out[0], last, sizeof(last));
		if (pf[1].revents & POLLHUP)
			break;		/* the VMM is gone */
		if (cfd < 0) {
			cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
			progress = now_ms();
			continue;
		}
		if (!pf[0].revents) {
			if (now_ms() - progress < STALL_MS)
				continue;
			/* Stopped: is the VMM still running its guest? */
			thread_times(pid, cpu0, sizeof(cpu0));
			sleep(5);
			thread_times(pid, cpu1, sizeof(cpu1));
			drain(out[0], last, sizeof(last));
			printf("# %s: STALLED: nothing for %d s after %llu bytes; "
			       "thread CPU ticks %s, 5 s later %s; last output: %s\n",
			       label, STALL_MS / 1000, bytes, cpu0, cpu1, last);
			kill(pid, SIGKILL);
			stalled = 1;
			break;
		}
		progress = now_ms();
		for (;;) {
			ssize_t n = read(cfd, buf, sizeof(buf));

			if (n > 0) {
				if (!bytes)
					t0 = now_ms();
				bytes += (unsigned long long)n;
				t1 = now_ms();
				continue;
			}
			if (n == 0)
				goto done;
			break;		/* EAGAIN */
		}
	}
done:
	/* The guest waits for this before it powers off. */
	if (cfd >= 0)
		close(cfd);
	cfd = -1;
	if (bytes == (unsigned long long)NET_MIB << 20 && t1 > t0) {
		*mbs = bytes / 1e6 / ((t1 - t0) / 1e3);
		ret = 0;
	} else if (stalled) {
		ret = 1;
	} else {
		printf("# %s: got %llu of %llu bytes; last output: %s\n", label,
		       bytes, (unsigned long long)NET_MIB << 20, last);
	}
	/*
	 * The guest powers off after sending; a stuck one is killed, and a
	 * VMM that does not even die of that (stuck in the kernel) is left
	 * behind rather than hanging the benchmark.
	 */
	for (int i = 0; i < 700 && waitpid(pid, &st, WNOHANG) != pid; i++) {
		drain(out[0], last, sizeof(last));
		if (i == 600)
			kill(pid, SIGKILL);
		if (i >= 600)
			st = -1;
		usleep(100000);
	}
	if (ret == 1 && st == -1)
		ret = -1;	/* not even SIGKILL: no second attempt */
	if (ret == 0 && (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st))) {
		printf("# %s: the VMM did not exit cleanly; last output: %s\n",
		       label, last);
		ret = -1;
	}
	if (cfd >= 0)
		close(cfd);
	close(lfd);
	close(out[0]);
	return ret;
}

int main(void)
{
	const char *dev = getenv("VIREO_TEST_DEV");
	const char *mode = getenv("VIREO_TEST_MODE");
	const char *kernel = getenv("VIREO_BENCH_KERNEL");
	const char *initrd = getenv("VIREO_BENCH_NET_INITRD");
	const char *round = getenv("VIREO_BENCH_ROUND");
	int kvm = mode && !strcmp(mode, "kvm");
	char *const vireo[] = { "/vireo/bin/vireo", "run", "--device",
		(char *)dev, "--kernel", (char *)kernel, "--initrd",
		(char *)initrd, "--memory", "256M", "--net", "tap:" TAP ",vhost",
		"--console", "stdio", "--cmdline", CMDLINE, NULL };
	char *const qemu[] = { QEMU, "-accel", "kvm", "-M", "microvm",
		"-cpu", "host", "-m", "256M", "-smp", "1", "-nodefaults",
		"-no-user-config", "-display", "none", "-serial", "stdio",
		"-netdev", "tap,id=n0,ifname=" TAP ",script=no,downscript=no,vhost=on",
		"-device", "virtio-net-device,netdev=n0",
		"-kernel", (char *)kernel, "-initrd", (char *)initrd,
		"-append", CMDLINE, NULL };
	/* The same with the interrupt controllers all in the kernel. */
	char *const vireo_kirq[] = { "/vireo/bin/vireo", "run", "--device",
		(char *)dev, "--kernel", (char *)kernel, "--initrd",
		(char *)initrd, "--memory", "256M", "--net", "tap:" TAP ",vhost",
		"--irqchip", "kernel", "--console", "stdio", "--cmdline", CMDLINE,
		NULL };
	char *const *argv[3] = { vireo, qemu, vireo_kirq };
	const char *name[3] = { "net_vhost_tx", "qemu_net_vhost_tx",
				"net_vhost_tx_kirq" };
	int qemu_too, qemu_first, failed = 0, order[3], n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	if (!dev || !kernel || !*kernel || !initrd) {
		printf("# net: VIREO_TEST_DEV, VIREO_BENCH_KERNEL and VIREO_BENCH_NET_INITRD needed\n");
		return 1;
	}
	if (access("/dev/vhost-net", R_OK | W_OK)) {
		printf("# net: no /dev/vhost-net (run-bench loads vhost_net)\n");
		return 1;
	}
	/* QEMU opens /dev/kvm: it runs on kvm.ko only. */
	qemu_too = kvm && access(QEMU, X_OK) == 0;
	qemu_first = round && atoi(round) % 2;
	/* QEMU before or after the VMM by round; --irqchip kernel last. */
	if (qemu_too && qemu_first)
		order[n++] = 1;
	order[n++] = 0;
	if (qemu_too && !qemu_first)
		order[n++] = 1;
	order[n++] = 2;
	for (int i = 0; i < n; i++) {
		int j = order[i];
		double mbs;
		int r = 1, stalls = 0;

		for (int a = 0; a < ATTEMPTS; a++) {
			r = run_once(name[j], argv[j], &mbs);
			if (r != 1)
				break;
			stalls++;
		}
		if (stalls)
			printf("# %s: %d stalled attempt(s)%s\n", name[j], stalls,
			       r == 0 ? ", then completed" : "");
		if (r) {
			failed++;
			continue;
		}
		printf("BENCH %s %.1f MB/s\n", name[j], mbs);
	}
	return failed ? 1 : 0;
}
