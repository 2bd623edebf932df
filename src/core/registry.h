/* core/registry.h — the find-by-name registry pattern shared by every pluggable type
 * (losses, channels, priors, activations): a NULL-terminated static list of type tables, each
 * with a `name` as its first member, and the public functions PREFIX_registry(),
 * PREFIX_find(name) (NULL for an unknown or NULL name) and PREFIX_find_any(name), the same lookup
 * returning const void *: the `find` of a CAV_PARAM_TYPE parameter field (cavity/param.h).
 * Internal. */
#ifndef CAVITY_CORE_REGISTRY_H
#define CAVITY_CORE_REGISTRY_H

#include <string.h>

#define CAV_REGISTRY_DEFINE(TYPE, LIST, PREFIX)                                                    \
    const TYPE *const *PREFIX##_registry(void)                                                     \
    {                                                                                              \
        return LIST;                                                                               \
    }                                                                                              \
    const TYPE *PREFIX##_find(const char *name)                                                    \
    {                                                                                              \
        if (!name) return NULL;                                                                    \
        for (const TYPE *const *p = LIST; *p; p++)                                                 \
            if (strcmp((*p)->name, name) == 0) return *p;                                          \
        return NULL;                                                                               \
    }                                                                                              \
    const void *PREFIX##_find_any(const char *name)                                                \
    {                                                                                              \
        return PREFIX##_find(name);                                                                \
    }

#endif
