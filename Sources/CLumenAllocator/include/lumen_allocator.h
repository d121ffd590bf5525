#ifndef LUMEN_ALLOCATOR_H
#define LUMEN_ALLOCATOR_H

#include <stddef.h>

/// Sets glibc's allocator so that allocations below `map_threshold` bytes come from the heap
/// rather than a mapping of their own, and up to `kept_free` bytes of free memory at the top of
/// the heap stay with the process. Returns 1 if both were set, 0 where the allocator isn't glibc's
/// or refused a value.
int lumen_allocator_keep_memory(size_t map_threshold, size_t kept_free);

#endif
