#ifndef CPD_BFLOAT16_H
#define CPD_BFLOAT16_H

// bfloat16 <-> float32 bit conversions shared by the bfloat16 kernels (bf16.c, amx.c), internal to the kernels.
#include <stdint.h>
#include <string.h>

/// float32 -> bfloat16 bits, rounded to nearest even (as VCVTNE2PS2BF16 rounds finite values).
static inline uint32_t to_bf16(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    return bits >> 16;
}

static inline float from_bf16(uint32_t half) {
    const uint32_t bits = half << 16;
    float value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

#endif
