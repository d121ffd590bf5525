#include "lumen_crc32c.h"

#include <string.h>

int lumen_crc32c_hardware_found = 0;

__attribute__((constructor)) static void lumen_crc32c_find_hardware(void) {
    lumen_crc32c_hardware_found = lumen_crc32c_has_hardware();
}

#if defined(__x86_64__)
#include <cpuid.h>

int lumen_crc32c_has_hardware(void) {
    unsigned int eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    return (ecx & bit_SSE4_2) != 0;
}

__attribute__((target("sse4.2")))
uint32_t lumen_crc32c_hardware(uint32_t seed, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    uint64_t crc = (uint32_t)~seed;
    while (count >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        crc = __builtin_ia32_crc32di(crc, word);
        p += 8;
        count -= 8;
    }
    uint32_t crc32 = (uint32_t)crc;
    if (count >= 4) {
        uint32_t word;
        memcpy(&word, p, 4);
        crc32 = __builtin_ia32_crc32si(crc32, word);
        p += 4;
        count -= 4;
    }
    if (count >= 2) {
        uint16_t half;
        memcpy(&half, p, 2);
        crc32 = __builtin_ia32_crc32hi(crc32, half);
        p += 2;
        count -= 2;
    }
    if (count > 0) crc32 = __builtin_ia32_crc32qi(crc32, *p);
    return ~crc32;
}

__attribute__((target("sse4.2")))
uint32_t lumen_crc32c_hardware_frame(const void *frame, size_t dataLength, uint32_t *lengthCRC) {
    const unsigned char *p = frame;
    uint64_t length;
    memcpy(&length, p, 8);
    *lengthCRC = ~(uint32_t)__builtin_ia32_crc32di(0xFFFFFFFFu, length);
    return lumen_crc32c_hardware(0, p + 12, dataLength);
}

#else

int lumen_crc32c_has_hardware(void) { return 0; }

uint32_t lumen_crc32c_hardware_frame(const void *frame, size_t dataLength, uint32_t *lengthCRC) {
    (void)frame;
    (void)dataLength;
    *lengthCRC = 0;
    return 0;
}

uint32_t lumen_crc32c_hardware(uint32_t seed, const void *bytes, size_t count) {
    (void)bytes;
    (void)count;
    return seed;
}

#endif
