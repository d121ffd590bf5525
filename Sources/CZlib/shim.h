// The system zlib: deflate/inflate streams, crc32 and adler32.
#include <zlib.h>
