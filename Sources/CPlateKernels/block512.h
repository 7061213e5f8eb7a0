#ifndef CPD_BLOCK512_H
#define CPD_BLOCK512_H

// The block loop the AVX-512 3x3 kernels share (plate_kernels.c: float32; bf16.c: bfloat16 channel pairs), internal
// to the kernels: outputs 8 at a time (4 when fewer are left), each output row 32 pixels at a time, then 16 with the
// tail masked. BLOCK(groups, vectors, mask) computes the block at o0, y, x (in scope here). Each kernel's block is an
// always-inline function called with constant shapes, so every call site unrolls into straight-line code; a macro
// rather than a function taking the block as a pointer, so that this does not rest on the optimiser resolving one.
#define CPD_FOR_EACH_BLOCK512(outputs, height, width, BLOCK)                                  \
    for (int o0 = 0; o0 < (outputs);) {                                                       \
        const int groups = (outputs) - o0 >= 8 ? 2 : 1;                                       \
        for (int y = 0; y < (height); y++) {                                                  \
            int x = 0;                                                                        \
            for (; x + 32 <= (width); x += 32) {                                              \
                if (groups == 2) BLOCK(2, 2, (__mmask16)0xFFFF);                              \
                else BLOCK(1, 2, (__mmask16)0xFFFF);                                          \
            }                                                                                 \
            for (; x < (width); x += 16) {                                                    \
                const int n = (width) - x < 16 ? (width) - x : 16;                            \
                const __mmask16 m = (__mmask16)((1u << n) - 1u);                              \
                if (groups == 2) BLOCK(2, 1, m);                                              \
                else BLOCK(1, 1, m);                                                          \
            }                                                                                 \
        }                                                                                     \
        o0 += 4 * groups;                                                                     \
    }

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <stddef.h>

/// A block's accumulators (4 x `groups` outputs by `vectors` x 16 pixels, the last vector masked) written to the
/// outputs from o0 at row y, column x, with ReLU when `relu`; outputs past the last are not written.
__attribute__((target("avx512f"), always_inline))
static inline void cpd_store_block512(__m512 acc[8][2], int groups, int vectors, __mmask16 mask, int relu, int outputs,
                                      int o0, int y, int x, float *out, size_t out_row, size_t out_plane) {
    const __m512 zero = _mm512_setzero_ps();
    for (int i = 0; i < 4 * groups && o0 + i < outputs; i++) {
        float *dst = out + (size_t)(o0 + i) * out_plane + (size_t)y * out_row + x;
        for (int v = 0; v < vectors; v++) {
            const __m512 r = relu ? _mm512_max_ps(acc[i][v], zero) : acc[i][v];
            if (v == vectors - 1) _mm512_mask_storeu_ps(dst + 16 * v, mask, r); else _mm512_storeu_ps(dst + 16 * v, r);
        }
    }
}
#endif

#endif
