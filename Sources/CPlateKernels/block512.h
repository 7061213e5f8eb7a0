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

#endif
