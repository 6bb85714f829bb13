#ifndef WARDEN_SPAWN_H
#define WARDEN_SPAWN_H

#include <sys/types.h>

/*
 * Starts the program at path (already resolved by the caller: PATH search may allocate, which a
 * child of a multithreaded parent must not do) as a child that waits, before calling execv, until
 * warden_spawn_release() is called. This lets Warden mark the child as an agent root in the kernel
 * before the child's first exec, so no event of the command is missed.
 * Returns the child's pid and stores the release descriptor in *release_fd; -1 with errno on error.
 */
pid_t warden_spawn_held(const char *path, char *const argv[], int *release_fd);

/* Lets the held child exec; closes release_fd. */
int warden_spawn_release(int release_fd);

#endif
