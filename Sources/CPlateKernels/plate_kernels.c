// The plate reader's matrix product for convolutions (see plate_kernels.h).
// Hand-written because it is the hot path: a detector pass is ~170 M
// multiply-adds per frame. Swift cannot compile one function for AVX2 and
// keep the rest portable, so the dispatch lives here in C.
#include "plate_kernels.h"
#include "cpu_features.h"
#include "block512.h"

#include <stddef.h>

/// The biases of the `count` outputs from o0 (a block of the packed weights), 0 past the last output.
static inline void block_bias(const float *bias, int o0, int count, int outputs, float *b) {
    for (int i = 0; i < count; i++) b[i] = o0 + i < outputs ? bias[o0 + i] : 0.0f;
}

// Portable kernel: 4 outputs x 8 pixels accumulated in locals the compiler
// keeps in (SSE) registers over the whole of k.
void cpd_conv_gemm_portable(const float *col, const float *packed, const float *bias, int relu,
                          int outputs, int k, int pixels, float *out) {
    for (int group = 0; group < (outputs + 3) / 4; group++) {
        const int o0 = group * 4;
        const float *w = packed + (size_t)group * k * 4;
        float b[4];
        block_bias(bias, o0, 4, outputs, b);
        int p = 0;
        for (; p + 8 <= pixels; p += 8) {
            float acc[4][8];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 8; j++) acc[i][j] = b[i];
            for (int r = 0; r < k; r++) {
                const float *c = col + (size_t)r * pixels + p;
                const float *wr = w + r * 4;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 8; j++) acc[i][j] += c[j] * wr[i];
            }
            for (int i = 0; i < 4 && o0 + i < outputs; i++) {
                float *dst = out + (size_t)(o0 + i) * pixels + p;
                for (int j = 0; j < 8; j++) dst[j] = relu && acc[i][j] < 0 ? 0.0f : acc[i][j];
            }
        }
        for (; p < pixels; p++) {
            for (int i = 0; i < 4 && o0 + i < outputs; i++) {
                float sum = b[i];
                for (int r = 0; r < k; r++) sum += w[r * 4 + i] * col[(size_t)r * pixels + p];
                out[(size_t)(o0 + i) * pixels + p] = relu && sum < 0 ? 0.0f : sum;
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

// AVX2 + FMA: 4 outputs x 24 pixels = 12 accumulators in ymm registers, each
// column value loaded once per four outputs, each weight broadcast once per 24 pixels.
__attribute__((target("avx2,fma")))
static void gemm_avx2(const float *col, const float *packed, const float *bias, int relu,
                      int outputs, int k, int pixels, float *out) {
    const __m256 zero = _mm256_setzero_ps();
    for (int group = 0; group < (outputs + 3) / 4; group++) {
        const int o0 = group * 4;
        const float *w = packed + (size_t)group * k * 4;
        float b[4];
        block_bias(bias, o0, 4, outputs, b);
        int p = 0;
        for (; p + 24 <= pixels; p += 24) {
            __m256 a0 = _mm256_set1_ps(b[0]), a1 = a0, a2 = a0;
            __m256 c0 = _mm256_set1_ps(b[1]), c1 = c0, c2 = c0;
            __m256 d0 = _mm256_set1_ps(b[2]), d1 = d0, d2 = d0;
            __m256 e0 = _mm256_set1_ps(b[3]), e1 = e0, e2 = e0;
            const float *c = col + p;
            for (int r = 0; r < k; r++, c += pixels) {
                const __m256 s0 = _mm256_loadu_ps(c), s1 = _mm256_loadu_ps(c + 8), s2 = _mm256_loadu_ps(c + 16);
                const float *wr = w + r * 4;
                __m256 x = _mm256_broadcast_ss(wr);
                a0 = _mm256_fmadd_ps(s0, x, a0); a1 = _mm256_fmadd_ps(s1, x, a1); a2 = _mm256_fmadd_ps(s2, x, a2);
                x = _mm256_broadcast_ss(wr + 1);
                c0 = _mm256_fmadd_ps(s0, x, c0); c1 = _mm256_fmadd_ps(s1, x, c1); c2 = _mm256_fmadd_ps(s2, x, c2);
                x = _mm256_broadcast_ss(wr + 2);
                d0 = _mm256_fmadd_ps(s0, x, d0); d1 = _mm256_fmadd_ps(s1, x, d1); d2 = _mm256_fmadd_ps(s2, x, d2);
                x = _mm256_broadcast_ss(wr + 3);
                e0 = _mm256_fmadd_ps(s0, x, e0); e1 = _mm256_fmadd_ps(s1, x, e1); e2 = _mm256_fmadd_ps(s2, x, e2);
            }
            __m256 rows[4][3] = {{a0, a1, a2}, {c0, c1, c2}, {d0, d1, d2}, {e0, e1, e2}};
            for (int i = 0; i < 4 && o0 + i < outputs; i++) {
                float *dst = out + (size_t)(o0 + i) * pixels + p;
                for (int j = 0; j < 3; j++) {
                    __m256 v = relu ? _mm256_max_ps(rows[i][j], zero) : rows[i][j];
                    _mm256_storeu_ps(dst + 8 * j, v);
                }
            }
        }
        // Then 8 pixels at a time (the plate networks' sizes are multiples of 8, so nothing is left after this).
        for (; p + 8 <= pixels; p += 8) {
            __m256 a = _mm256_set1_ps(b[0]), c = _mm256_set1_ps(b[1]), d = _mm256_set1_ps(b[2]), e = _mm256_set1_ps(b[3]);
            const float *src = col + p;
            for (int r = 0; r < k; r++, src += pixels) {
                const __m256 s0 = _mm256_loadu_ps(src);
                const float *wr = w + r * 4;
                a = _mm256_fmadd_ps(s0, _mm256_broadcast_ss(wr), a);
                c = _mm256_fmadd_ps(s0, _mm256_broadcast_ss(wr + 1), c);
                d = _mm256_fmadd_ps(s0, _mm256_broadcast_ss(wr + 2), d);
                e = _mm256_fmadd_ps(s0, _mm256_broadcast_ss(wr + 3), e);
            }
            __m256 rows[4] = {a, c, d, e};
            for (int i = 0; i < 4 && o0 + i < outputs; i++)
                _mm256_storeu_ps(out + (size_t)(o0 + i) * pixels + p, relu ? _mm256_max_ps(rows[i], zero) : rows[i]);
        }
        for (; p < pixels; p++) {
            for (int i = 0; i < 4 && o0 + i < outputs; i++) {
                float sum = b[i];
                for (int r = 0; r < k; r++) sum += w[r * 4 + i] * col[(size_t)r * pixels + p];
                out[(size_t)(o0 + i) * pixels + p] = relu && sum < 0 ? 0.0f : sum;
            }
        }
    }
}

/// 4 x `groups` outputs by `vectors` x 16 pixels from x (the last vector masked): the matrix product's block on
/// AVX-512, stored as the 3x3 kernels store theirs (the product is a map of one row). Each sum takes gemm_avx2's
/// steps (the bias, then one multiply-add per row of k in order), so the results are the same, bit for bit.
__attribute__((target("avx512f"), always_inline))
static inline void gemm_block512(const float *col, const float *w, int k, const float *bias, int relu, int outputs,
                                 int pixels, int o0, int x, int groups, int vectors, __mmask16 mask, float *out) {
    __m512 acc[8][2];
    for (int i = 0; i < 4 * groups; i++)
        for (int v = 0; v < vectors; v++) acc[i][v] = _mm512_set1_ps(o0 + i < outputs ? bias[o0 + i] : 0.0f);
    const float *c = col + x;
    for (int r = 0; r < k; r++, c += pixels) {
        __m512 s[2];
        for (int v = 0; v < vectors; v++)
            s[v] = v == vectors - 1 ? _mm512_maskz_loadu_ps(mask, c + 16 * v) : _mm512_loadu_ps(c + 16 * v);
        for (int g = 0; g < groups; g++)
            for (int i = 0; i < 4; i++) {
                const __m512 weight = _mm512_set1_ps(w[(size_t)g * k * 4 + r * 4 + i]);
                for (int v = 0; v < vectors; v++) acc[4 * g + i][v] = _mm512_fmadd_ps(s[v], weight, acc[4 * g + i][v]);
            }
    }
    cpd_store_block512(acc, groups, vectors, mask, relu, outputs, o0, 0, x, out, 0, (size_t)pixels);
}

// AVX-512: the 3x3 kernels' block loop over a map of one row of the pixels up to the last multiple of 8; the pixels
// past it as gemm_avx2 does them, one at a time.
__attribute__((target("avx512f")))
static void gemm_avx512(const float *col, const float *packed, const float *bias, int relu, int outputs, int k,
                        int pixels, float *out) {
    const int vectorised = pixels - pixels % 8;
#define BLOCK(groups, vectors, mask)                                                                                   \
    gemm_block512(col, packed + (size_t)(o0 / 4) * k * 4, k, bias, relu, outputs, pixels, o0, x, groups, vectors, mask, out)
    CPD_FOR_EACH_BLOCK512(outputs, 1, vectorised, BLOCK)
#undef BLOCK
    for (int o = 0; o < outputs; o++) {
        const float *w = packed + (size_t)(o / 4) * k * 4;
        for (int p = vectorised; p < pixels; p++) {
            float sum = bias[o];
            for (int r = 0; r < k; r++) sum += w[r * 4 + o % 4] * col[(size_t)r * pixels + p];
            out[(size_t)o * pixels + p] = relu && sum < 0 ? 0.0f : sum;
        }
    }
}

int cpd_cpu_has_avx2(void) {
    static int known = -1;  // benign race: every thread computes the same answer
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return known;
}
#else
int cpd_cpu_has_avx2(void) { return 0; }
#endif

void cpd_conv_gemm(const float *col, const float *packed, const float *bias, int relu,
                   int outputs, int k, int pixels, float *out) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (cpd_cpu_has_avx512()) {
        gemm_avx512(col, packed, bias, relu, outputs, k, pixels, out);
        return;
    }
    if (cpd_cpu_has_avx2()) {
        gemm_avx2(col, packed, bias, relu, outputs, k, pixels, out);
        return;
    }
#endif
    cpd_conv_gemm_portable(col, packed, bias, relu, outputs, k, pixels, out);
}

// Direct 3x3 convolution, portable: per output row, 4 outputs x 8 pixels in locals.
static void conv3x3_portable(const float *padded, int channels, int height, int width, const float *packed,
                             const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane) {
    const int pw = width + 2, plane = (height + 2) * pw, k = channels * 9;
    for (int group = 0; group < (outputs + 3) / 4; group++) {
        const int o0 = group * 4;
        const float *w = packed + (size_t)group * k * 4;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float acc[4];
                block_bias(bias, o0, 4, outputs, acc);
                for (int c = 0; c < channels; c++) {
                    const float *src = padded + (size_t)c * plane + (size_t)y * pw + x;
                    for (int dy = 0; dy < 3; dy++)
                        for (int dx = 0; dx < 3; dx++) {
                            const float v = src[dy * pw + dx];
                            const float *wr = w + ((c * 3 + dy) * 3 + dx) * 4;
                            for (int i = 0; i < 4; i++) acc[i] += v * wr[i];
                        }
                }
                for (int i = 0; i < 4 && o0 + i < outputs; i++)
                    out[(size_t)(o0 + i) * out_plane + (size_t)y * out_row + x] = relu && acc[i] < 0 ? 0.0f : acc[i];
            }
        }
    }
}

void cpd_conv3x3_portable(const float *padded, int channels, int height, int width, const float *packed,
                             const float *bias, int relu, int outputs, float *out) {
    conv3x3_portable(padded, channels, height, width, packed, bias, relu, outputs, out, (size_t)width,
                     (size_t)height * width);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/// 4 outputs x 16 pixels of row y of the convolution (bias included, no ReLU): the block of conv3x3_avx2 and
/// conv3x3_pool2_avx2.
__attribute__((target("avx2,fma"), always_inline))
static inline void conv3x3_row16(const float *padded, int channels, int height, int width, const float *w,
                                 const float *b, int y, int x, __m256 acc[4][2]) {
    const int pw = width + 2, plane = (height + 2) * pw;
    for (int i = 0; i < 4; i++) acc[i][0] = acc[i][1] = _mm256_set1_ps(b[i]);
    for (int c = 0; c < channels; c++) {
        const float *row = padded + (size_t)c * plane + (size_t)y * pw + x;
        for (int dy = 0; dy < 3; dy++, row += pw) {
            for (int dx = 0; dx < 3; dx++, w += 4) {
                const __m256 s0 = _mm256_loadu_ps(row + dx), s1 = _mm256_loadu_ps(row + dx + 8);
                for (int i = 0; i < 4; i++) {
                    const __m256 v = _mm256_broadcast_ss(w + i);
                    acc[i][0] = _mm256_fmadd_ps(s0, v, acc[i][0]);
                    acc[i][1] = _mm256_fmadd_ps(s1, v, acc[i][1]);
                }
            }
        }
    }
}

// AVX2 + FMA: along each output row, 4 outputs x 16 pixels in 8 accumulators; the nine taps of every input
// channel are read straight from the padded planes (rows are contiguous, so each tap is one unaligned load).
__attribute__((target("avx2,fma")))
static void conv3x3_avx2(const float *padded, int channels, int height, int width, const float *packed,
                         const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane) {
    const __m256 zero = _mm256_setzero_ps();
    const int pw = width + 2, plane = (height + 2) * pw, k = channels * 9;
    for (int group = 0; group < (outputs + 3) / 4; group++) {
        const int o0 = group * 4;
        const float *w = packed + (size_t)group * k * 4;
        float b[4];
        block_bias(bias, o0, 4, outputs, b);
        for (int y = 0; y < height; y++) {
            int x = 0;
            for (; x + 16 <= width; x += 16) {
                __m256 rows[4][2];
                conv3x3_row16(padded, channels, height, width, w, b, y, x, rows);
                for (int i = 0; i < 4 && o0 + i < outputs; i++) {
                    float *dst = out + (size_t)(o0 + i) * out_plane + (size_t)y * out_row + x;
                    _mm256_storeu_ps(dst, relu ? _mm256_max_ps(rows[i][0], zero) : rows[i][0]);
                    _mm256_storeu_ps(dst + 8, relu ? _mm256_max_ps(rows[i][1], zero) : rows[i][1]);
                }
            }
            for (; x < width; x++) {
                float acc[4] = {b[0], b[1], b[2], b[3]};
                const float *wr = w;
                for (int c = 0; c < channels; c++) {
                    const float *src = padded + (size_t)c * plane + (size_t)y * pw + x;
                    for (int dy = 0; dy < 3; dy++)
                        for (int dx = 0; dx < 3; dx++, wr += 4) {
                            const float v = src[dy * pw + dx];
                            for (int i = 0; i < 4; i++) acc[i] += v * wr[i];
                        }
                }
                for (int i = 0; i < 4 && o0 + i < outputs; i++)
                    out[(size_t)(o0 + i) * out_plane + (size_t)y * out_row + x] = relu && acc[i] < 0 ? 0.0f : acc[i];
            }
        }
    }
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// 512-bit vectors: one block is 4 x `groups` outputs (4 or 8) by `vectors` x 16 pixels of one output row, each
// accumulator a register; the last vector of a row may be masked (so narrow maps, such as the recogniser's 32
// columns, stay vectorised). Eight outputs share each pixel load between twice the multiply-adds, and sixteen
// accumulators hide the multiply-add latency that eight only just cover. `groups` and `vectors` are constants
// at every call, so the compiler unrolls the block into straight-line code.
__attribute__((target("avx512f"), always_inline))
static inline void conv3x3_block512(const float *padded, int channels, int height, int width, const float *w, int k,
                                    const float *bias, int relu, int outputs, int o0, int y, int x, int groups,
                                    int vectors, __mmask16 mask, float *out, size_t out_row, size_t out_plane) {
    const int pw = width + 2, plane = (height + 2) * pw;
    __m512 acc[8][2];
    for (int i = 0; i < 4 * groups; i++)
        for (int v = 0; v < vectors; v++) acc[i][v] = _mm512_set1_ps(o0 + i < outputs ? bias[o0 + i] : 0.0f);
    const float *wr = w;
    for (int c = 0; c < channels; c++) {
        const float *row = padded + (size_t)c * plane + (size_t)y * pw + x;
        for (int dy = 0; dy < 3; dy++, row += pw) {
            for (int dx = 0; dx < 3; dx++, wr += 4) {
                __m512 s[2];
                for (int v = 0; v < vectors; v++)
                    s[v] = v == vectors - 1 ? _mm512_maskz_loadu_ps(mask, row + dx + 16 * v) : _mm512_loadu_ps(row + dx + 16 * v);
                for (int g = 0; g < groups; g++)
                    for (int i = 0; i < 4; i++) {
                        const __m512 weight = _mm512_set1_ps(wr[(size_t)g * k * 4 + i]);
                        for (int v = 0; v < vectors; v++) acc[4 * g + i][v] = _mm512_fmadd_ps(s[v], weight, acc[4 * g + i][v]);
                    }
            }
        }
    }
    cpd_store_block512(acc, groups, vectors, mask, relu, outputs, o0, y, x, out, out_row, out_plane);
}

__attribute__((target("avx512f")))
static void conv3x3_avx512(const float *padded, int channels, int height, int width, const float *packed,
                           const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane) {
    const int k = channels * 9;
#define BLOCK(groups, vectors, mask)                                                                                   \
    conv3x3_block512(padded, channels, height, width, packed + (size_t)(o0 / 4) * k * 4, k, bias, relu, outputs, o0, y, \
                     x, groups, vectors, mask, out, out_row, out_plane)
    CPD_FOR_EACH_BLOCK512(outputs, height, width, BLOCK)
#undef BLOCK
}

int cpd_cpu_has_avx512(void) {
    static int known = -1;  // benign race, as above
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f");
    }
    return known;
}

int cpd_cpu_has_avx512vl(void) {
    static int known = -1;  // benign race, as above
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    }
    return known;
}
#else
int cpd_cpu_has_avx512(void) { return 0; }
int cpd_cpu_has_avx512vl(void) { return 0; }
#endif

void cpd_conv3x3_strided(const float *padded, int channels, int height, int width, const float *packed,
                         const float *bias, int relu, int outputs, float *out, int out_row, int out_plane) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (cpd_cpu_has_avx512()) {
        conv3x3_avx512(padded, channels, height, width, packed, bias, relu, outputs, out, (size_t)out_row, (size_t)out_plane);
        return;
    }
    if (cpd_cpu_has_avx2()) {
        conv3x3_avx2(padded, channels, height, width, packed, bias, relu, outputs, out, (size_t)out_row, (size_t)out_plane);
        return;
    }
#endif
    conv3x3_portable(padded, channels, height, width, packed, bias, relu, outputs, out, (size_t)out_row, (size_t)out_plane);
}

// A 3x3 convolution followed by 2x2 stride-2 max pooling, fused: the convolution's full-size output (the first
// detector layer's is 7 MB a frame) never goes to memory. ReLU commutes with the max, so it is applied after.
static float conv3x3_at(const float *padded, int channels, int height, int width, const float *w, float bias, int i, int y,
                        int x) {
    const int pw = width + 2, plane = (height + 2) * pw;
    float sum = bias;
    for (int c = 0; c < channels; c++) {
        const float *src = padded + (size_t)c * plane + (size_t)y * pw + x;
        for (int dy = 0; dy < 3; dy++)
            for (int dx = 0; dx < 3; dx++) sum += src[dy * pw + dx] * w[((c * 3 + dy) * 3 + dx) * 4 + i];
    }
    return sum;
}

/// Pooled outputs from column `ox` on, one at a time (the portable kernel, and the vector kernel's last columns).
static void conv3x3_pool2_columns(const float *padded, int channels, int height, int width, const float *packed,
                                  const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane,
                                  int oy, int from) {
    const int k = channels * 9;
    for (int ox = from; ox < width / 2; ox++)
        for (int o = 0; o < outputs; o++) {
            const float *w = packed + (size_t)(o / 4) * k * 4;
            float best = conv3x3_at(padded, channels, height, width, w, bias[o], o % 4, 2 * oy, 2 * ox);
            for (int q = 1; q < 4; q++) {
                const float v = conv3x3_at(padded, channels, height, width, w, bias[o], o % 4, 2 * oy + q / 2, 2 * ox + q % 2);
                if (v > best) best = v;
            }
            out[(size_t)o * out_plane + (size_t)oy * out_row + ox] = relu && best < 0 ? 0.0f : best;
        }
}

void cpd_conv3x3_pool2_portable(const float *padded, int channels, int height, int width, const float *packed,
                                const float *bias, int relu, int outputs, float *out, int out_row, int out_plane) {
    for (int oy = 0; oy < height / 2; oy++)
        conv3x3_pool2_columns(padded, channels, height, width, packed, bias, relu, outputs, out, (size_t)out_row,
                              (size_t)out_plane, oy, 0);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2,fma")))
static void conv3x3_pool2_avx2(const float *padded, int channels, int height, int width, const float *packed,
                               const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane) {
    const __m256 zero = _mm256_setzero_ps();
    const int k = channels * 9, oh = height / 2;
    // Rows outside, outputs inside: the four input rows of a pooled row (a few tens of KB) stay in cache while every
    // group of outputs reads them, where the other order read the whole input (megabytes) once per group.
    for (int oy = 0; oy < oh; oy++) {
        for (int group = 0; group < (outputs + 3) / 4; group++) {
            const int o0 = group * 4;
            const float *w = packed + (size_t)group * k * 4;
            float b[4];
            block_bias(bias, o0, 4, outputs, b);
            int x = 0;
            for (; x + 16 <= width; x += 16) {
                __m256 top[4][2], bottom[4][2];
                conv3x3_row16(padded, channels, height, width, w, b, 2 * oy, x, top);
                conv3x3_row16(padded, channels, height, width, w, b, 2 * oy + 1, x, bottom);
                for (int i = 0; i < 4 && o0 + i < outputs; i++) {
                    const __m256 a = _mm256_max_ps(top[i][0], bottom[i][0]), c = _mm256_max_ps(top[i][1], bottom[i][1]);
                    __m256 pooled = _mm256_max_ps(_mm256_shuffle_ps(a, c, 0x88), _mm256_shuffle_ps(a, c, 0xDD));
                    pooled = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(pooled), 0xD8));
                    if (relu) pooled = _mm256_max_ps(pooled, zero);
                    _mm256_storeu_ps(out + (size_t)(o0 + i) * out_plane + (size_t)oy * out_row + x / 2, pooled);
                }
            }
            if (x / 2 < width / 2) {
                const int n = outputs - o0 < 4 ? outputs - o0 : 4;
                conv3x3_pool2_columns(padded, channels, height, width, w, b, relu, n, out + (size_t)o0 * out_plane,
                                      out_row, out_plane, oy, x / 2);
            }
        }
    }
}
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/// `vectors` x 16 pixels of output rows 2*oy and 2*oy + 1 for four outputs, pooled into `vectors` x 8 columns from
/// column x/2. Each sum takes its multiply-adds in conv3x3_row16's order (bias, then channel, row, column of the
/// taps), so the results are those of the AVX2 kernel, bit for bit; the four input rows are loaded once for both
/// output rows.
__attribute__((target("avx512f"), always_inline))
static inline void conv3x3_pool2_block512(const float *padded, int channels, int height, int width, const float *w,
                                          const float *b, int oy, int x, int vectors, int relu, int n, float *out,
                                          size_t out_row, size_t out_plane) {
    const int pw = width + 2, plane = (height + 2) * pw;
    __m512 top[4][2], bottom[4][2];
    for (int i = 0; i < 4; i++)
        for (int v = 0; v < vectors; v++) top[i][v] = bottom[i][v] = _mm512_set1_ps(b[i]);
    for (int c = 0; c < channels; c++) {
        const float *rows = padded + (size_t)c * plane + (size_t)(2 * oy) * pw + x;
        const float *wc = w + (size_t)c * 36;
        for (int r = 0; r < 4; r++)
            for (int dx = 0; dx < 3; dx++) {
                __m512 s[2];
                for (int v = 0; v < vectors; v++) s[v] = _mm512_loadu_ps(rows + (size_t)r * pw + dx + 16 * v);
                for (int i = 0; i < 4; i++) {
                    if (r < 3) {  // input row r is the top output row's tap row r
                        const __m512 weight = _mm512_set1_ps(wc[(r * 3 + dx) * 4 + i]);
                        for (int v = 0; v < vectors; v++) top[i][v] = _mm512_fmadd_ps(s[v], weight, top[i][v]);
                    }
                    if (r > 0) {  // and the bottom output row's tap row r - 1
                        const __m512 weight = _mm512_set1_ps(wc[((r - 1) * 3 + dx) * 4 + i]);
                        for (int v = 0; v < vectors; v++) bottom[i][v] = _mm512_fmadd_ps(s[v], weight, bottom[i][v]);
                    }
                }
            }
    }
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    const __m512 zero = _mm512_setzero_ps();
    for (int i = 0; i < n; i++) {
        float *dst = out + (size_t)i * out_plane + (size_t)oy * out_row + x / 2;
        const __m512 a = _mm512_max_ps(top[i][0], bottom[i][0]);
        const __m512 c = vectors == 2 ? _mm512_max_ps(top[i][1], bottom[i][1]) : a;
        __m512 pooled = _mm512_max_ps(_mm512_permutex2var_ps(a, even, c), _mm512_permutex2var_ps(a, odd, c));
        if (relu) pooled = _mm512_max_ps(pooled, zero);
        _mm512_mask_storeu_ps(dst, vectors == 2 ? (__mmask16)0xFFFF : (__mmask16)0x00FF, pooled);
    }
}

// AVX-512: as conv3x3_pool2_avx2, 32 pixels of both rows at a time (then 16, then column by column), with the same
// results.
__attribute__((target("avx512f")))
static void conv3x3_pool2_avx512(const float *padded, int channels, int height, int width, const float *packed,
                                 const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane) {
    const int k = channels * 9, oh = height / 2;
    for (int oy = 0; oy < oh; oy++) {
        for (int group = 0; group < (outputs + 3) / 4; group++) {
            const int o0 = group * 4, n = outputs - o0 < 4 ? outputs - o0 : 4;
            const float *w = packed + (size_t)group * k * 4;
            float b[4];
            block_bias(bias, o0, 4, outputs, b);
            float *dst = out + (size_t)o0 * out_plane;
            int x = 0;
            for (; x + 32 <= width; x += 32) conv3x3_pool2_block512(padded, channels, height, width, w, b, oy, x, 2, relu, n, dst, out_row, out_plane);
            for (; x + 16 <= width; x += 16) conv3x3_pool2_block512(padded, channels, height, width, w, b, oy, x, 1, relu, n, dst, out_row, out_plane);
            if (x / 2 < width / 2)
                conv3x3_pool2_columns(padded, channels, height, width, w, b, relu, n, dst, out_row, out_plane, oy, x / 2);
        }
    }
}
#endif

void cpd_conv3x3_pool2_strided(const float *padded, int channels, int height, int width, const float *packed,
                               const float *bias, int relu, int outputs, float *out, int out_row, int out_plane) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (cpd_cpu_has_avx512()) {
        conv3x3_pool2_avx512(padded, channels, height, width, packed, bias, relu, outputs, out, (size_t)out_row,
                             (size_t)out_plane);
        return;
    }
    if (cpd_cpu_has_avx2()) {
        conv3x3_pool2_avx2(padded, channels, height, width, packed, bias, relu, outputs, out, (size_t)out_row,
                           (size_t)out_plane);
        return;
    }
#endif
    cpd_conv3x3_pool2_portable(padded, channels, height, width, packed, bias, relu, outputs, out, out_row, out_plane);
}

int cpd_conv3x3_prefers_fused_pool(int channels) {
    // An Intel Xeon (AVX-512): the detector's first layer (1 -> 8 channels, 360 x 640) took 0.82 ms fused against
    // 1.45 ms convolved then pooled; its 8 -> 16 layer 2.58 ms fused against 2.00 ms.
    return cpd_cpu_has_avx2() && (!cpd_cpu_has_avx512() || channels == 1);
}

void cpd_conv3x3(const float *padded, int channels, int height, int width, const float *packed, const float *bias,
                 int relu, int outputs, float *out) {
    cpd_conv3x3_strided(padded, channels, height, width, packed, bias, relu, outputs, out, width, height * width);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/// Pooled columns from..<to of one output row (the vector kernels' last columns).
static void pool2x2_columns(const float *top, const float *bottom, int from, int to, float *dst) {
    for (int ox = from; ox < to; ox++) {
        const float p = top[2 * ox] > top[2 * ox + 1] ? top[2 * ox] : top[2 * ox + 1];
        const float q = bottom[2 * ox] > bottom[2 * ox + 1] ? bottom[2 * ox] : bottom[2 * ox + 1];
        dst[ox] = p > q ? p : q;
    }
}

/// One output row of 2x2 stride-2 pooling from input rows `top` and `bottom`, as many columns as the vectors
/// take; returns where it stopped (pool2x2_columns does the rest).
typedef int (*pool2x2_row)(const float *top, const float *bottom, int ow, float *dst);

// 16 outputs a step: the larger of two rows, then of each pair of neighbours (even and odd lanes of 32 inputs,
// gathered by one permute each).
__attribute__((target("avx512f")))
static int pool2x2_row_avx512(const float *top, const float *bottom, int ow, float *dst) {
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
    int ox = 0;
    for (; ox + 16 <= ow; ox += 16) {
        const __m512 a = _mm512_max_ps(_mm512_loadu_ps(top + 2 * ox), _mm512_loadu_ps(bottom + 2 * ox));
        const __m512 b = _mm512_max_ps(_mm512_loadu_ps(top + 2 * ox + 16), _mm512_loadu_ps(bottom + 2 * ox + 16));
        _mm512_storeu_ps(dst + ox, _mm512_max_ps(_mm512_permutex2var_ps(a, even, b), _mm512_permutex2var_ps(a, odd, b)));
    }
    return ox;
}

// 8 outputs a step: the same with an in-lane shuffle and a cross-lane permute.
__attribute__((target("avx2")))
static int pool2x2_row_avx2(const float *top, const float *bottom, int ow, float *dst) {
    int ox = 0;
    for (; ox + 8 <= ow; ox += 8) {
        const __m256 a = _mm256_max_ps(_mm256_loadu_ps(top + 2 * ox), _mm256_loadu_ps(bottom + 2 * ox));
        const __m256 b = _mm256_max_ps(_mm256_loadu_ps(top + 2 * ox + 8), _mm256_loadu_ps(bottom + 2 * ox + 8));
        const __m256 pairs = _mm256_max_ps(_mm256_shuffle_ps(a, b, 0x88), _mm256_shuffle_ps(a, b, 0xDD));
        _mm256_storeu_ps(dst + ox, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(pairs), 0xD8)));
    }
    return ox;
}

/// 2x2 stride-2 pooling of every plane, each output row by `row` and its last columns one by one.
static void max_pool2x2(const float *in, int channels, int height, int width, float *out, size_t out_row,
                        size_t out_plane, pool2x2_row row) {
    const int oh = (height - 2) / 2 + 1, ow = (width - 2) / 2 + 1;
    for (int c = 0; c < channels; c++) {
        const float *plane = in + (size_t)c * height * width;
        for (int oy = 0; oy < oh; oy++) {
            const float *top = plane + (size_t)oy * 2 * width, *bottom = top + width;
            float *dst = out + (size_t)c * out_plane + (size_t)oy * out_row;
            pool2x2_columns(top, bottom, row(top, bottom, ow, dst), ow, dst);
        }
    }
}
#endif

void cpd_max_pool_strided(const float *in, int channels, int height, int width, int kh, int kw, int sh, int sw,
                          float *out, int out_row_, int out_plane_) {
    const size_t out_row = (size_t)out_row_, out_plane = (size_t)out_plane_;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && cpd_cpu_has_avx512()) {
        max_pool2x2(in, channels, height, width, out, out_row, out_plane, pool2x2_row_avx512);
        return;
    }
    if (kh == 2 && kw == 2 && sh == 2 && sw == 2 && cpd_cpu_has_avx2()) {
        max_pool2x2(in, channels, height, width, out, out_row, out_plane, pool2x2_row_avx2);
        return;
    }
#endif
    const int oh = (height - kh) / sh + 1, ow = (width - kw) / sw + 1;
    for (int c = 0; c < channels; c++) {
        const float *plane = in + (size_t)c * height * width;
        float *dst = out + (size_t)c * out_plane;
        for (int oy = 0; oy < oh; oy++) {
            const float *top = plane + (size_t)oy * sh * width;
            if (kh == 2 && kw == 1 && sw == 1) {
                // The recogniser's 2x1 pooling (rows only): the larger of two rows, which the compiler vectorises.
                const float *bottom = top + width;
                for (int ox = 0; ox < ow; ox++) dst[(size_t)oy * out_row + ox] = top[ox] > bottom[ox] ? top[ox] : bottom[ox];
                continue;
            }
            if (kh == 2 && kw == 2 && sw == 2) {
                // The common case, written so the compiler vectorises it.
                const float *bottom = top + width;
                for (int ox = 0; ox < ow; ox++) {
                    const float a = top[2 * ox] > top[2 * ox + 1] ? top[2 * ox] : top[2 * ox + 1];
                    const float b = bottom[2 * ox] > bottom[2 * ox + 1] ? bottom[2 * ox] : bottom[2 * ox + 1];
                    dst[(size_t)oy * out_row + ox] = a > b ? a : b;
                }
                continue;
            }
            for (int ox = 0; ox < ow; ox++) {
                float best = top[ox * sw];
                for (int dy = 0; dy < kh; dy++)
                    for (int dx = 0; dx < kw; dx++) {
                        const float v = top[dy * width + ox * sw + dx];
                        if (v > best) best = v;
                    }
                dst[(size_t)oy * out_row + ox] = best;
            }
        }
    }
}

void cpd_max_pool(const float *in, int channels, int height, int width, int kh, int kw, int sh, int sw, float *out) {
    const int oh = (height - kh) / sh + 1, ow = (width - kw) / sw + 1;
    cpd_max_pool_strided(in, channels, height, width, kh, kw, sh, sw, out, ow, oh * ow);
}

/* One output row of the shrink from its column sums: output x adds columns K*x ..< K*x + K. With K fixed the
   compiler unrolls it; a loop per output pixel over its span cost most of the shrink's time (6 % of a frame's). */
#define SHRINK_ROW_UNIFORM(K)                                                           \
    for (int x = 0; x < out_width; x++) {                                               \
        int sum = 0;                                                                    \
        for (int j = 0; j < (K); j++) sum += sums[(K) * x + j];                         \
        dst[x] = (float)sum * scale * weights[x] - offset;                              \
    }

__attribute__((always_inline))
static inline void area_shrink(const unsigned char *src, int stride, int width, const int *x0, const int *x1,
                               const float *weights, const int *y0, const int *y1, int out_width, int out_height,
                               float mean, float std, int *sums, float *out, int out_stride) {
    // Products and sums of their own, never fused: the detector's input must not move with the target.
#pragma clang fp contract(off)
    const float offset = mean / std;
    /* A whole-number factor (1920 -> 640 is 3) spans the same K columns at every output pixel. */
    int uniform = out_width > 0 ? x1[0] - x0[0] : 0;
    for (int x = 0; x < out_width && uniform > 0; x++)
        if (x0[x] != uniform * x || x1[x] != x0[x] + uniform) uniform = 0;
    for (int y = 0; y < out_height; y++) {
        const unsigned char *first = src + (size_t)y0[y] * stride;
        for (int i = 0; i < width; i++) sums[i] = first[i];
        for (int yy = y0[y] + 1; yy < y1[y]; yy++) {
            const unsigned char *row = src + (size_t)yy * stride;
            for (int i = 0; i < width; i++) sums[i] += row[i];
        }
        const float scale = 1.0f / ((float)(y1[y] - y0[y]) * 255.0f * std);
        float *dst = out + (size_t)y * out_stride;
        switch (uniform) {
        case 1: SHRINK_ROW_UNIFORM(1) break;
        case 2: SHRINK_ROW_UNIFORM(2) break;
        case 3: SHRINK_ROW_UNIFORM(3) break;
        case 4: SHRINK_ROW_UNIFORM(4) break;
        default: {
            // Spans of two lengths (a factor of 2.5 takes 2, 3, 2, 3, ... columns): through the row's prefix sums, two
            // loads per output pixel rather than a loop of its own.
            int run = 0;
            for (int i = 0; i < width; i++) {
                const int v = sums[i];
                sums[i] = run;
                run += v;
            }
            sums[width] = run;
            for (int x = 0; x < out_width; x++) dst[x] = (float)(sums[x1[x]] - sums[x0[x]]) * scale * weights[x] - offset;
        }
        }
    }
}
#undef SHRINK_ROW_UNIFORM

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
// The same loops compiled for AVX-512: the compiler vectorises the row sums 16 wide and the whole-number factors'
// strided sums (the same integer sums and float products, so the same results).
__attribute__((target("avx512f")))
static void area_shrink_avx512(const unsigned char *src, int stride, int width, const int *x0, const int *x1,
                               const float *weights, const int *y0, const int *y1, int out_width, int out_height,
                               float mean, float std, int *sums, float *out, int out_stride) {
    area_shrink(src, stride, width, x0, x1, weights, y0, y1, out_width, out_height, mean, std, sums, out, out_stride);
}
#endif

void cpd_area_shrink(const unsigned char *src, int stride, int width, const int *x0, const int *x1,
                     const float *weights, const int *y0, const int *y1, int out_width, int out_height, float mean, float std,
                     int *sums, float *out, int out_stride) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (cpd_cpu_has_avx512()) {
        area_shrink_avx512(src, stride, width, x0, x1, weights, y0, y1, out_width, out_height, mean, std, sums, out,
                           out_stride);
        return;
    }
#endif
    area_shrink(src, stride, width, x0, x1, weights, y0, y1, out_width, out_height, mean, std, sums, out, out_stride);
}

void cpd_sample_quad_portable(const unsigned char *src, int w, int h, const double *quad, int width, int height,
                              float mean, float std, float *out) {
    /* Bilinear weights as products and sums of their own, never fused: the reads must not move with the compiler. */
#pragma clang fp contract(off)
    /* Columns go in blocks, so that the divisions (most of the time when done pixel by pixel) run as vectors. */
    enum { BLOCK = 64 };
    double across[BLOCK];
    float value[BLOCK];
    for (int row = 0; row < height; row++) {
        const double v = ((double)row + 0.5) / (double)height;
        /* Left and right edges at this height, then across. */
        const double lx = quad[0] + (quad[6] - quad[0]) * v, ly = quad[1] + (quad[7] - quad[1]) * v;
        const double rx = quad[2] + (quad[4] - quad[2]) * v, ry = quad[3] + (quad[5] - quad[3]) * v;
        float *dst = out + (size_t)row * width;
        for (int start = 0; start < width; start += BLOCK) {
            const int n = width - start < BLOCK ? width - start : BLOCK;
            for (int i = 0; i < n; i++) across[i] = ((double)(start + i) + 0.5) / (double)width;
            for (int i = 0; i < n; i++) {
                const double u = across[i];
                double x = lx + (rx - lx) * u - 0.5, y = ly + (ry - ly) * u - 0.5;
                /* Outside [-2, size + 1] the clamped pixel and weight are those of the bound: clamping first keeps
                   the conversion to int defined for any point. */
                x = x > -2.0 ? (x < (double)w + 1 ? x : (double)w + 1) : -2.0;
                y = y > -2.0 ? (y < (double)h + 1 ? y : (double)h + 1) : -2.0;
                /* floor without a call into libm (the baseline x86-64 has no rounding instruction) */
                int x0 = (int)x, y0 = (int)y;
                x0 -= (double)x0 > x;
                y0 -= (double)y0 > y;
                x0 = x0 < 0 ? 0 : (x0 > w - 1 ? w - 1 : x0);
                y0 = y0 < 0 ? 0 : (y0 > h - 1 ? h - 1 : y0);
                const int x1 = x0 + 1 < w ? x0 + 1 : w - 1, y1 = y0 + 1 < h ? y0 + 1 : h - 1;
                const double dx = x - (double)x0, dy = y - (double)y0;
                const float fx = (float)(dx > 0.0 ? (dx < 1.0 ? dx : 1.0) : 0.0);
                const float fy = (float)(dy > 0.0 ? (dy < 1.0 ? dy : 1.0) : 0.0);
                const unsigned char *top_row = src + (size_t)y0 * w, *bottom_row = src + (size_t)y1 * w;
                const float top = (float)top_row[x0] * (1 - fx) + (float)top_row[x1] * fx;
                const float bottom = (float)bottom_row[x0] * (1 - fx) + (float)bottom_row[x1] * fx;
                value[i] = top * (1 - fy) + bottom * fy;
            }
            for (int i = 0; i < n; i++) dst[start + i] = (value[i] / 255 - mean) / std;
        }
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
/// cpd_sample_quad_portable, eight samples at a time: the same double coordinates, the same float weights and sums
/// (never fused), so the same values. One 32-bit gather fetches a sample's two neighbours on a row at once; where
/// that would read past the plane's last byte it reads the last four bytes and shifts.
__attribute__((target("avx512f,avx512vl")))
static void sample_quad_avx512(const unsigned char *src, int w, int h, const double *quad, int width, int height,
                               float mean, float std, float *out) {
#pragma clang fp contract(off)
    const __m512d low = _mm512_set1_pd(-2.0), high_x = _mm512_set1_pd((double)w + 1), high_y = _mm512_set1_pd((double)h + 1);
    const __m512d zero = _mm512_setzero_pd(), one = _mm512_set1_pd(1.0), half = _mm512_set1_pd(0.5);
    const __m256i last_x = _mm256_set1_epi32(w - 1), last_y = _mm256_set1_epi32(h - 1), none = _mm256_setzero_si256();
    const __m256i stride = _mm256_set1_epi32(w), last_word = _mm256_set1_epi32(w * h - 4), bytes = _mm256_set1_epi32(0xFF);
    const __m256 ones = _mm256_set1_ps(1.0f), full = _mm256_set1_ps(255.0f), means = _mm256_set1_ps(mean),
                 stds = _mm256_set1_ps(std);
    for (int row = 0; row < height; row++) {
        const double v = ((double)row + 0.5) / (double)height;
        const double lx = quad[0] + (quad[6] - quad[0]) * v, ly = quad[1] + (quad[7] - quad[1]) * v;
        const double rx = quad[2] + (quad[4] - quad[2]) * v, ry = quad[3] + (quad[5] - quad[3]) * v;
        const __m512d left_x = _mm512_set1_pd(lx), left_y = _mm512_set1_pd(ly);
        const __m512d across_x = _mm512_set1_pd(rx - lx), across_y = _mm512_set1_pd(ry - ly);
        float *dst = out + (size_t)row * width;
        for (int column = 0; column < width; column += 8) {
            const __mmask8 k = width - column >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (width - column)) - 1);
            const __m512d columns = _mm512_cvtepi32_pd(_mm256_add_epi32(_mm256_set1_epi32(column),
                                                                       _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)));
            const __m512d u = _mm512_div_pd(_mm512_add_pd(columns, half), _mm512_set1_pd((double)width));
            __m512d x = _mm512_sub_pd(_mm512_add_pd(left_x, _mm512_mul_pd(across_x, u)), half);
            __m512d y = _mm512_sub_pd(_mm512_add_pd(left_y, _mm512_mul_pd(across_y, u)), half);
            // x > -2 ? (x < w + 1 ? x : w + 1) : -2, as the scalar pass (a NaN goes to -2)
            x = _mm512_mask_mov_pd(low, _mm512_cmp_pd_mask(x, low, _CMP_GT_OQ),
                                   _mm512_mask_mov_pd(high_x, _mm512_cmp_pd_mask(x, high_x, _CMP_LT_OQ), x));
            y = _mm512_mask_mov_pd(low, _mm512_cmp_pd_mask(y, low, _CMP_GT_OQ),
                                   _mm512_mask_mov_pd(high_y, _mm512_cmp_pd_mask(y, high_y, _CMP_LT_OQ), y));
            __m256i x0 = _mm512_cvttpd_epi32(x), y0 = _mm512_cvttpd_epi32(y);
            x0 = _mm256_mask_sub_epi32(x0, _mm512_cmp_pd_mask(_mm512_cvtepi32_pd(x0), x, _CMP_GT_OQ), x0, _mm256_set1_epi32(1));
            y0 = _mm256_mask_sub_epi32(y0, _mm512_cmp_pd_mask(_mm512_cvtepi32_pd(y0), y, _CMP_GT_OQ), y0, _mm256_set1_epi32(1));
            x0 = _mm256_min_epi32(_mm256_max_epi32(x0, none), last_x);
            y0 = _mm256_min_epi32(_mm256_max_epi32(y0, none), last_y);
            const __m256i x1 = _mm256_min_epi32(_mm256_add_epi32(x0, _mm256_set1_epi32(1)), last_x);
            const __m256i y1 = _mm256_min_epi32(_mm256_add_epi32(y0, _mm256_set1_epi32(1)), last_y);
            // dx > 0 ? (dx < 1 ? dx : 1) : 0, then to float
            const __m512d dx = _mm512_sub_pd(x, _mm512_cvtepi32_pd(x0)), dy = _mm512_sub_pd(y, _mm512_cvtepi32_pd(y0));
            const __m256 fx = _mm512_cvtpd_ps(_mm512_mask_mov_pd(zero, _mm512_cmp_pd_mask(dx, zero, _CMP_GT_OQ),
                                              _mm512_mask_mov_pd(one, _mm512_cmp_pd_mask(dx, one, _CMP_LT_OQ), dx)));
            const __m256 fy = _mm512_cvtpd_ps(_mm512_mask_mov_pd(zero, _mm512_cmp_pd_mask(dy, zero, _CMP_GT_OQ),
                                              _mm512_mask_mov_pd(one, _mm512_cmp_pd_mask(dy, one, _CMP_LT_OQ), dy)));
            // The two neighbours on each row: bytes 0 and 1 of the word at the left one (the same byte twice at the
            // plane's right edge, where x1 = x0).
            const __mmask8 pair = _mm256_cmpneq_epi32_mask(x1, x0);
            __m256 p[2][2];
            const __m256i rows[2] = {y0, y1};
            for (int r = 0; r < 2; r++) {
                const __m256i at = _mm256_add_epi32(_mm256_mullo_epi32(rows[r], stride), x0);
                const __m256i word_at = _mm256_min_epi32(at, last_word);
                __m256i word = _mm256_mmask_i32gather_epi32(none, k, word_at, (const int *)src, 1);
                word = _mm256_srlv_epi32(word, _mm256_slli_epi32(_mm256_sub_epi32(at, word_at), 3));
                const __m256i first = _mm256_and_si256(word, bytes);
                const __m256i second = _mm256_mask_mov_epi32(first, pair, _mm256_and_si256(_mm256_srli_epi32(word, 8), bytes));
                p[r][0] = _mm256_cvtepi32_ps(first);
                p[r][1] = _mm256_cvtepi32_ps(second);
            }
            const __m256 rest_x = _mm256_sub_ps(ones, fx), rest_y = _mm256_sub_ps(ones, fy);
            const __m256 top = _mm256_add_ps(_mm256_mul_ps(p[0][0], rest_x), _mm256_mul_ps(p[0][1], fx));
            const __m256 bottom = _mm256_add_ps(_mm256_mul_ps(p[1][0], rest_x), _mm256_mul_ps(p[1][1], fx));
            const __m256 value = _mm256_add_ps(_mm256_mul_ps(top, rest_y), _mm256_mul_ps(bottom, fy));
            _mm256_mask_storeu_ps(dst + column, k, _mm256_div_ps(_mm256_sub_ps(_mm256_div_ps(value, full), means), stds));
        }
    }
}
#endif

void cpd_sample_quad(const unsigned char *src, int w, int h, const double *quad, int width, int height, float mean,
                     float std, float *out) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    // The vector path indexes the plane in 32-bit lanes and fetches four bytes at a time.
    const long long size = (long long)w * h;
    if (size >= 4 && size <= 0x7FFFFFFF && cpd_cpu_has_avx512vl()) {
        sample_quad_avx512(src, w, h, quad, width, height, mean, std, out);
        return;
    }
#endif
    cpd_sample_quad_portable(src, w, h, quad, width, height, mean, std, out);
}

const char *cpd_conv_kernel_name(void) { return cpd_cpu_has_avx2() ? "avx2+fma" : "portable"; }  // AVX-512 counts as avx2+fma: the same steps
