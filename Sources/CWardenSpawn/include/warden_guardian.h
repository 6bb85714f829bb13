#ifndef WARDEN_GUARDIAN_H
#define WARDEN_GUARDIAN_H

#include <stdint.h>
#include <sys/types.h>

/*
 * Enforce mode's process control, in C because part of it runs in a forked child of a
 * multithreaded process, where only async-signal-safe calls are allowed.
 */

/* A pidfd for pid (pidfd_open), or -1 with errno. */
int warden_pidfd_open(pid_t pid);

/* pidfd_send_signal; 0 or -1 with errno. */
int warden_pidfd_signal(int pidfd, int sig);

/*
 * Sends sig to pid only if pid is still the process that started at start_time_ns
 * (CLOCK_BOOTTIME, as in /proc/PID/stat's starttime). Returns 0 when sent, -1 with errno ESRCH
 * when the process is gone or the pid now belongs to another process.
 */
int warden_signal_if_same(pid_t pid, uint64_t start_time_ns, long ticks_per_second, int sig);

/*
 * Empties the kernel's hold table (map fd held_map_fd, struct warden_hold values): every held
 * process still alive is killed (fail_closed) or continued. Returns how many were signalled.
 */
int warden_release_all_held(int held_map_fd, int fail_closed, long ticks_per_second);

/*
 * Starts the guardian: a child that outlives Warden by an instant. It keeps only held_map_fd,
 * waits for Warden (the calling process) to exit by any means, SIGKILL included, then releases
 * every process still held, as warden_release_all_held with fail_closed. It ignores SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT so that a Ctrl-C to the terminal cannot take it down first.
 *
 * A Warden that stops deciding without dying (SIGSTOP, a stall) must not freeze agents either:
 * Warden calls warden_guardian_beat() with CLOCK_BOOTTIME after every poll round, and while the
 * last beat is older than stall_limit_ns the guardian gives every hold older than stall_limit_ns
 * the fail mode (checked every second). *heartbeat receives the shared beat word.
 * Returns its pid, or -1 with errno.
 */
pid_t warden_guardian_start(int held_map_fd, int fail_closed, uint64_t stall_limit_ns, uint64_t **heartbeat);

/* Records that Warden made progress at now_ns (CLOCK_BOOTTIME). */
void warden_guardian_beat(uint64_t *heartbeat, uint64_t now_ns);

#endif
