/*
 * fsdown: a disk that fails under a running store, for
 * tests/store-faults.bats.
 *
 *	fsdown DIR
 *
 * Shuts down the ext4 filesystem that holds DIR, as ext4 does itself when
 * its disk fails: EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_NOLOGFLUSH (the
 * journal is not flushed: sync first what must survive).  From then on
 * every open, read and write of a file on it fails with EIO, while a
 * directory held open and the cached names in it stay, as they do on a
 * real failure.  Unmounting and mounting it again brings it back with
 * what was synced.
 */
#include "config.h"

#include <sys/ioctl.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* linux/ext4.h is not installed everywhere: fs/ext4/ext4.h has these. */
#ifndef EXT4_IOC_SHUTDOWN
#define EXT4_IOC_SHUTDOWN		_IOR('X', 125, uint32_t)
#endif
#ifndef EXT4_GOING_FLAGS_NOLOGFLUSH
#define EXT4_GOING_FLAGS_NOLOGFLUSH	0x2
#endif

int
main(int argc, char *argv[])
{
	uint32_t	 flags = EXT4_GOING_FLAGS_NOLOGFLUSH;
	int		 fd;

	if (argc != 2) {
		fprintf(stderr, "usage: fsdown dir\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "fsdown: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if (ioctl(fd, EXT4_IOC_SHUTDOWN, &flags) == -1) {
		fprintf(stderr, "fsdown: %s: EXT4_IOC_SHUTDOWN: %s\n",
		    argv[1], strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	return 0;
}
