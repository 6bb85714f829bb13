#define _GNU_SOURCE
#include "warden_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

pid_t warden_spawn_held(const char *path, char *const argv[], int *release_fd)
{
	int gate[2];
	pid_t pid;

	if (pipe2(gate, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		int saved = errno;
		close(gate[0]);
		close(gate[1]);
		errno = saved;
		return -1;
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls from here on (the parent may be multithreaded). */
		char byte;
		ssize_t n;
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		close(gate[1]);
		do {
			n = read(gate[0], &byte, 1);
		} while (n < 0 && errno == EINTR);
		if (n != 1)
			_exit(126); /* Warden went away before releasing us: do not run unwatched. */
		execv(path, argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(gate[0]);
	*release_fd = gate[1];
	return pid;
}

int warden_spawn_release(int release_fd)
{
	char go = 1;
	ssize_t n;

	do {
		n = write(release_fd, &go, 1);
	} while (n < 0 && errno == EINTR);
	close(release_fd);
	return n == 1 ? 0 : -1;
}
