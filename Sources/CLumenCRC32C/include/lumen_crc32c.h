#ifndef LUMEN_CRC32C_H
#define LUMEN_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has a CRC-32C instruction that lumen_crc32c_hardware uses
/// (SSE 4.2 on x86-64; elsewhere none is used).
int lumen_crc32c_has_hardware(void);

/// The CRC-32C (Castagnoli) of `count` bytes at `bytes`, extending `seed` (the CRC of the bytes
/// before them, 0 to start), computed with the CPU's CRC-32C instruction. Call it only when
/// lumen_crc32c_has_hardware() is nonzero.
uint32_t lumen_crc32c_hardware(uint32_t seed, const void *bytes, size_t count);

/// The two checksums of a TFRecord frame whose 12-byte header starts at `frame` and whose
/// `dataLength` data bytes follow it: returns the CRC-32C of the data and stores that of the
/// header's first 8 bytes (the length) at `lengthCRC`; both unmasked. Call it only when
/// lumen_crc32c_has_hardware() is nonzero.
uint32_t lumen_crc32c_hardware_frame(const void *frame, size_t dataLength, uint32_t *lengthCRC);

/// Nonzero when lumen_crc32c_has_hardware() is, set once before `main` runs (read it through
/// lumen_crc32c_hardware_present and lumen_crc32c_frame).
extern int lumen_crc32c_hardware_found;

/// What lumen_crc32c_has_hardware() found, without asking the CPU again.
static inline int lumen_crc32c_hardware_present(void) { return lumen_crc32c_hardware_found; }

/// The two unmasked checksums of a TFRecord frame, as lumen_crc32c_hardware_frame gives them, when
/// the CPU has the instruction: returns 1 and stores them at `lengthCRC` and `dataCRC`; returns 0
/// otherwise (the caller computes them in software). Inline, so a frame costs no call to learn it.
static inline int lumen_crc32c_frame(const void *frame, size_t dataLength, uint32_t *lengthCRC, uint32_t *dataCRC) {
    if (!lumen_crc32c_hardware_found) return 0;
    *dataCRC = lumen_crc32c_hardware_frame(frame, dataLength, lengthCRC);
    return 1;
}

#endif
