// The system Zstandard library: one-shot compression of HTTP answers.
#include <zstd.h>
