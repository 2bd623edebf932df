/* cavity/rng.h — reproducible random streams.
 *
 * A stream is keyed by (seed, stream, substream): the same key gives the same numbers on any
 * machine, in any thread, in any order of creation. Parallel code therefore never shares a
 * generator: it derives one stream per independent unit of work (a seed of a simulation, a row
 * block of a matrix, ...), which makes every result independent of the thread count.
 * Generator: xoshiro256** with state from SplitMix64 of the hashed key. Normals: polar
 * Box–Muller on 53-bit uniforms (both values used).
 */
#ifndef CAVITY_RNG_H
#define CAVITY_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cav_rng {
    uint64_t s[4];
    double spare;
    int has_spare;
} cav_rng;

/* Initialise `r` for key (seed, stream, substream). */
void cav_rng_init(cav_rng *r, uint64_t seed, uint64_t stream, uint64_t substream);

uint64_t cav_rng_u64(cav_rng *r);
/* Uniform on (0, 1): never returns 0 or 1. */
double cav_rng_uniform(cav_rng *r);
/* Standard normal. */
double cav_rng_normal(cav_rng *r);
/* +1 or -1 with probability 1/2. */
double cav_rng_sign(cav_rng *r);
/* Fill x[0..n) with standard normals, times `scale`. */
void cav_rng_normal_fill(cav_rng *r, size_t n, double scale, double *x);

/* Fill the row-major n x d matrix X with N(0, scale^2) entries, reproducibly and in parallel:
 * row block b (of 64 rows) uses stream (seed, stream, b). Same result for any thread count. */
void cav_rng_normal_matrix(uint64_t seed, uint64_t stream, size_t n, size_t d, double scale,
                           double *X);

/* 64-bit hash of a string (FNV-1a then SplitMix finaliser): turns names into stream ids. */
uint64_t cav_rng_hash(const char *s);

#ifdef __cplusplus
}
#endif
#endif
