/* theory/dmft_internal.h — helpers shared by the DMFT files (not public). */
#ifndef CAVITY_THEORY_DMFT_INTERNAL_H
#define CAVITY_THEORY_DMFT_INTERNAL_H

#include "cavity/dmft.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* Restore a solver from a checkpoint written for the same problem; 1 when restored. */
int dmft_gd_load(cav_dmft_gd *s, const char *path);

#endif
