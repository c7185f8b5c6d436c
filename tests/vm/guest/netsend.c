// SPDX-License-Identifier: GPL-2.0
/*
 * In a VMM's guest: send MIB MiB of zeros over TCP to HOST:PORT (the
 * network benchmark's receiver, tests/bench/net.c, which times them), then
 * close. Retries the connection for 120 s: the host configures its end of
 * the tap only after the VMM created it; returns once the receiver has
 * closed its end, so all was received. Prints NETSEND-DONE or
 * NETSEND-FAILED with the reason.
 *
 * usage: netsend HOST PORT MIB
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[64 << 10];
	struct sockaddr_in a = { .sin_family = AF_INET };
	unsigned long long left;
	int fd = -1;

	if (argc != 4 || inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) {
		fprintf(stderr, "usage: netsend HOST PORT MIB\n");
		return 2;
	}
	a.sin_port = htons((uint16_t)atoi(argv[2]));
	left = strtoull(argv[3], NULL, 10) << 20;
	for (int i = 0; i < 240; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			break;
		if (!connect(fd, (struct sockaddr *)&a, sizeof(a)))
			break;
		close(fd);
		fd = -1;
		usleep(500000);
	}
	if (fd < 0) {
		printf("NETSEND-FAILED connect: %s\n", strerror(errno));
		return 1;
	}
	while (left) {
		size_t n = left < sizeof(buf) ? left : sizeof(buf);
		ssize_t w = write(fd, buf, n);

		if (w <= 0) {
			printf("NETSEND-FAILED write: %s\n", strerror(errno));
			return 1;
		}
		left -= (size_t)w;
	}
	/*
	 * The guest powers off next: wait for the receiver's end of stream
	 * (it closes once it has read ours), or the socket's unsent bytes
	 * would die with the guest.
	 */
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	printf("NETSEND-DONE\n");
	return 0;
}
