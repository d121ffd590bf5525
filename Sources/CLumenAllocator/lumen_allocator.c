#include "lumen_allocator.h"

#include <stdlib.h>  // defines __GLIBC__ where the C library is glibc

#if defined(__GLIBC__)
#include <malloc.h>

int lumen_allocator_keep_memory(size_t map_threshold, size_t kept_free) {
    int mapped = mallopt(M_MMAP_THRESHOLD, (int)map_threshold);
    int trimmed = mallopt(M_TRIM_THRESHOLD, (int)kept_free);
    return mapped == 1 && trimmed == 1;
}
#else
int lumen_allocator_keep_memory(size_t map_threshold, size_t kept_free) {
    (void)map_threshold;
    (void)kept_free;
    return 0;
}
#endif
