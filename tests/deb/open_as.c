/* open_as.c — runs in the udev VM of tests/deb/udev-vm-test.sh: drops to an unprivileged user
 * (uid, and the edgeml group as its only supplementary group or none) and then does what an
 * app does: open /dev/edgeml, allocate a dma-buf, map it, and ask for more than the module's
 * max_buffer_kb cap (which must be refused with E2BIG).
 * Usage: open_as UID GID|none MAX_BUFFER_KB
 * Exit: 0 opened and allocated as described, 3 open refused with EACCES, 1 anything else. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "edgeml_uapi.h"

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: open_as UID GID|none MAX_BUFFER_KB\n");
		return 1;
	}
	uid_t uid = (uid_t)atoi(argv[1]);
	unsigned long long max_kb = strtoull(argv[3], NULL, 10);
	int member = strcmp(argv[2], "none") != 0;
	gid_t group = member ? (gid_t)atoi(argv[2]) : 0;
	if (setgroups(member ? 1 : 0, &group) || setgid(uid) || setuid(uid)) {
		perror("open_as: dropping privileges");
		return 1;
	}
	int fd = open("/dev/edgeml", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("UDEV uid %d %s: open /dev/edgeml: %s\n", (int)uid,
		       member ? "in group edgeml" : "in no group", strerror(errno));
		return errno == EACCES ? 3 : 1;
	}
	struct edgeml_alloc alloc = { .size = 1 << 20 };
	if (ioctl(fd, EDGEML_IOC_ALLOC, &alloc) != 0) {
		printf("UDEV uid %d: EDGEML_IOC_ALLOC 1 MiB: %s\n", (int)uid, strerror(errno));
		return 1;
	}
	unsigned char *p = mmap(NULL, alloc.size, PROT_READ | PROT_WRITE, MAP_SHARED, alloc.fd, 0);
	if (p == MAP_FAILED) {
		printf("UDEV uid %d: mmap of the dma-buf: %s\n", (int)uid, strerror(errno));
		return 1;
	}
	p[0] = 1;
	struct edgeml_alloc big = { .size = (max_kb + 1) * 1024 };
	if (ioctl(fd, EDGEML_IOC_ALLOC, &big) == 0 || errno != E2BIG) {
		printf("UDEV uid %d: %llu KiB (above max_buffer_kb) was not refused with E2BIG\n",
		       (int)uid, max_kb + 1);
		return 1;
	}
	printf("UDEV uid %d in group edgeml: opened /dev/edgeml, allocated and mapped 1 MiB, "
	       "%llu KiB refused (E2BIG)\n", (int)uid, max_kb + 1);
	return 0;
}
