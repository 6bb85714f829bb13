#define _GNU_SOURCE
#include "warden_guardian.h"
#include "warden_abi.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int warden_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

int warden_pidfd_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

static size_t append(char *dst, size_t at, const char *text)
{
	while (*text)
		dst[at++] = *text++;
	return at;
}

#define UNKNOWN_START UINT64_MAX

/* Field 22 of /proc/PID/stat (starttime, in clock ticks since boot), or UNKNOWN_START.
 * Hand-parsed: no stdio, no allocation (this also runs in the guardian). */
static uint64_t start_ticks(pid_t pid)
{
	char path[32], digits[12], buffer[1024];
	char *cursor;
	size_t at;
	int fd, field, count = 0;
	ssize_t n;
	uint64_t value = 0;

	do {
		digits[count++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0 && count < (int)sizeof(digits));
	at = append(path, 0, "/proc/");
	while (count > 0)
		path[at++] = digits[--count];
	at = append(path, at, "/stat");
	path[at] = '\0';

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return UNKNOWN_START;
	n = read(fd, buffer, sizeof(buffer) - 1);
	close(fd);
	if (n <= 0)
		return UNKNOWN_START;
	buffer[n] = '\0';
	/* The command name (field 2) may hold spaces and ')': fields are counted after the last ')'. */
	cursor = strrchr(buffer, ')');
	if (!cursor)
		return UNKNOWN_START;
	for (field = 2; field < 22 && *cursor; cursor++)
		if (*cursor == ' ')
			field++;
	if (field != 22 || *cursor < '0' || *cursor > '9')
		return UNKNOWN_START;
	for (count = 0; *cursor >= '0' && *cursor <= '9' && count < 20; cursor++, count++)
		value = value * 10 + (uint64_t)(*cursor - '0');
	return value;
}

int warden_signal_if_same(pid_t pid, uint64_t start_time_ns, long ticks_per_second, int sig)
{
	int pidfd, result, saved;

	if (ticks_per_second <= 0) {
		errno = EINVAL;
		return -1;
	}
	/* Open first, then check: if the check passes, the pidfd was opened on that same process
	 * (a pid names one process at a time, and this one existed before the pidfd). */
	pidfd = warden_pidfd_open(pid);
	if (pidfd < 0)
		return -1;
	if (start_ticks(pid) != start_time_ns / (1000000000ull / (uint64_t)ticks_per_second)) {
		close(pidfd);
		errno = ESRCH;
		return -1;
	}
	result = warden_pidfd_signal(pidfd, sig);
	saved = errno;
	close(pidfd);
	errno = saved;
	return result;
}

static long bpf_call(int command, union bpf_attr *attr)
{
	return syscall(SYS_bpf, command, attr, sizeof(*attr));
}

int warden_release_all_held(int held_map_fd, int fail_closed, long ticks_per_second)
{
	int signalled = 0;

	/* Each round takes the first key and deletes it; the bound stops a table that keeps refilling. */
	for (unsigned int round = 0; round < 4 * WARDEN_MAX_HELD; round++) {
		union bpf_attr attr;
		__u32 pid;
		struct warden_hold hold;

		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (__u32)held_map_fd;
		attr.key = 0;
		attr.next_key = (__u64)(unsigned long)&pid;
		if (bpf_call(BPF_MAP_GET_NEXT_KEY, &attr) != 0)
			break; /* empty */
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (__u32)held_map_fd;
		attr.key = (__u64)(unsigned long)&pid;
		attr.value = (__u64)(unsigned long)&hold;
		if (bpf_call(BPF_MAP_LOOKUP_ELEM, &attr) == 0 &&
		    warden_signal_if_same((pid_t)pid, hold.start_time_ns, ticks_per_second,
					  fail_closed ? SIGKILL : SIGCONT) == 0)
			signalled++;
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (__u32)held_map_fd;
		attr.key = (__u64)(unsigned long)&pid;
		bpf_call(BPF_MAP_DELETE_ELEM, &attr);
	}
	return signalled;
}

static uint64_t boottime_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_BOOTTIME, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

void warden_guardian_beat(uint64_t *heartbeat, uint64_t now_ns)
{
	__atomic_store_n(heartbeat, now_ns, __ATOMIC_RELEASE);
}

#define STALL_SWEEP_MAX 256

/* Warden has not beaten for stall_limit_ns: holds older than that get the fail mode. Keys are
 * collected first, then acted on, so that deleting does not disturb the walk. */
static void release_stalled(int held_map_fd, int fail_closed, long ticks, const uint64_t *heartbeat,
			    uint64_t stall_limit_ns)
{
	uint64_t now = boottime_ns();
	uint64_t beat = __atomic_load_n(heartbeat, __ATOMIC_ACQUIRE);
	__u32 pids[STALL_SWEEP_MAX];
	unsigned int count = 0;
	union bpf_attr attr;

	if (now < beat || now - beat <= stall_limit_ns)
		return;
	while (count < STALL_SWEEP_MAX) {
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (__u32)held_map_fd;
		attr.key = count ? (__u64)(unsigned long)&pids[count - 1] : 0;
		attr.next_key = (__u64)(unsigned long)&pids[count];
		if (bpf_call(BPF_MAP_GET_NEXT_KEY, &attr) != 0)
			break;
		count++;
	}
	for (unsigned int i = 0; i < count; i++) {
		struct warden_hold hold;

		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (__u32)held_map_fd;
		attr.key = (__u64)(unsigned long)&pids[i];
		attr.value = (__u64)(unsigned long)&hold;
		if (bpf_call(BPF_MAP_LOOKUP_ELEM, &attr) != 0 || now < hold.held_at_ns || now - hold.held_at_ns <= stall_limit_ns)
			continue;
		warden_signal_if_same((pid_t)pids[i], hold.start_time_ns, ticks, fail_closed ? SIGKILL : SIGCONT);
		memset(&attr, 0, sizeof(attr));
		attr.map_fd = (__u32)held_map_fd;
		attr.key = (__u64)(unsigned long)&pids[i];
		bpf_call(BPF_MAP_DELETE_ELEM, &attr);
	}
}

static void close_all_but(int keep)
{
	if (keep > 3)
		syscall(SYS_close_range, 3, keep - 1, 0);
	syscall(SYS_close_range, keep + 1, ~0u, 0);
}

pid_t warden_guardian_start(int held_map_fd, int fail_closed, uint64_t stall_limit_ns, uint64_t **heartbeat)
{
	long ticks = sysconf(_SC_CLK_TCK);
	pid_t warden = getpid();
	/* Shared with the guardian across the fork: Warden writes, the guardian reads. */
	uint64_t *beat = mmap(NULL, sizeof(*beat), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pid_t pid;

	if (beat == MAP_FAILED)
		return -1;
	warden_guardian_beat(beat, boottime_ns());
	*heartbeat = beat;
	pid = fork();
	if (pid != 0)
		return pid;

	/* Guardian: async-signal-safe calls only. */
	{
		static const int ignored[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE };
		struct sigaction ignore;
		sigset_t none;
		struct pollfd watch;
		int warden_fd;
		struct timespec settle = { 0, 50 * 1000 * 1000 };

		memset(&ignore, 0, sizeof(ignore));
		ignore.sa_handler = SIG_IGN;
		for (unsigned int i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
			sigaction(ignored[i], &ignore, NULL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		prctl(PR_SET_NAME, "warden-guardian", 0, 0, 0);
		if (held_map_fd < 3) /* never: libbpf fds are above stdio */
			_exit(1);
		close_all_but(held_map_fd);

		warden_fd = warden_pidfd_open(warden);
		if (warden_fd >= 0 && getppid() == warden) {
			/* A pidfd turns readable once its process has exited and closed its files, so
			 * the BPF programs are detached by then: no new hold can appear after the sweep. */
			watch.fd = warden_fd;
			watch.events = POLLIN;
			for (;;) {
				int ready = poll(&watch, 1, 1000);

				if (ready > 0 || (ready < 0 && errno != EINTR))
					break;
				if (ready == 0)
					release_stalled(held_map_fd, fail_closed, ticks, beat, stall_limit_ns);
			}
		}
		/* Twice: a program still finishing on another CPU as Warden died may add one more. */
		warden_release_all_held(held_map_fd, fail_closed, ticks);
		nanosleep(&settle, NULL);
		warden_release_all_held(held_map_fd, fail_closed, ticks);
		_exit(0);
	}
}
