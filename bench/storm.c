/*
 * storm — synthetic workloads for Warden's overhead benchmarks.
 *   storm open N          N x open("/etc/hostname") + close
 *   storm exec N          N x fork + execve("/bin/true") + waitpid
 *   storm write N         N x write of one byte to /dev/null (the write sensor's filter)
 *   storm recv N          N x send + recv of one byte over an AF_UNIX socketpair (the receive
 *                         sensor: every receive on the host passes sock_recv_length)
 *   storm paced RATE SEC  fork + exec /bin/true at RATE per second for SEC seconds, children
 *                         reaped asynchronously (up to 256 at once) so the rate does not depend
 *                         on how long one exec takes
 * Prints the elapsed wall time in nanoseconds on stdout (paced: also the achieved rate on stderr).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static pid_t start_true(void)
{
	/* vfork: the child borrows the parent's memory until it execs, which takes the page-table
	 * copy out of the measurement and lets one loop reach higher exec rates. */
	pid_t pid = vfork();
	if (pid == 0) {
		char *argv[] = { "true", NULL };
		execve("/bin/true", argv, environ);
		_exit(127);
	}
	return pid;
}

static void spawn_true(void)
{
	pid_t pid = start_true();
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: storm open N | exec N | write N | recv N | paced RATE SECONDS\n");
		return 2;
	}
	long n = atol(argv[2]);
	long long start = now_ns();
	if (strcmp(argv[1], "open") == 0) {
		for (long i = 0; i < n; i++) {
			int fd = open("/etc/hostname", O_RDONLY);
			if (fd >= 0)
				close(fd);
		}
	} else if (strcmp(argv[1], "exec") == 0) {
		for (long i = 0; i < n; i++)
			spawn_true();
	} else if (strcmp(argv[1], "write") == 0) {
		int fd = open("/dev/null", O_WRONLY);
		for (long i = 0; i < n; i++)
			if (write(fd, "x", 1) != 1)
				return 1;
	} else if (strcmp(argv[1], "recv") == 0) {
		int pair[2];
		char byte;
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0)
			return 1;
		for (long i = 0; i < n; i++)
			if (send(pair[0], "x", 1, 0) != 1 || recv(pair[1], &byte, 1, 0) != 1)
				return 1;
	} else if (strcmp(argv[1], "paced") == 0 && argc >= 4) {
		long seconds = atol(argv[3]);
		long total = n * seconds, running = 0;
		for (long i = 0; i < total; i++) {
			long long due = start + i * 1000000000LL / n;
			long long wait = due - now_ns();
			if (wait > 0) {
				struct timespec ts = { wait / 1000000000LL, wait % 1000000000LL };
				nanosleep(&ts, NULL);
			}
			while (running > 0 && waitpid(-1, NULL, running >= 256 ? 0 : WNOHANG) > 0)
				running--;
			if (start_true() > 0)
				running++;
		}
		while (running > 0 && waitpid(-1, NULL, 0) > 0)
			running--;
		fprintf(stderr, "storm: %ld execs at %.0f/s\n", total, total / ((now_ns() - start) / 1e9));
	} else {
		fprintf(stderr, "storm: unknown workload %s\n", argv[1]);
		return 2;
	}
	printf("%lld\n", now_ns() - start);
	return 0;
}
