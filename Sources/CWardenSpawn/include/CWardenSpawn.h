/* Umbrella header of the CWardenSpawn module: everything Swift imports from it. */
#include "warden_spawn.h"
#include "warden_guardian.h"
