// The plate reader's matrix product for convolutions (see plate_kernels.h).
// Hand-written because it is the hot path: a detector pass is ~170 M
// multiply-adds per frame. Swift cannot compile one function for AVX2 and
// keep the rest portable, so the dispatch lives here in C.
#include "plate_kernels.h"

#include <stddef.h>

// Portable kernel: 4 outputs x 8 pixels accumulated in locals the compiler
// keeps in (SSE) registers over the whole of k.
void cpd_conv_gemm_portable(const float *col, const float *packed, const float *bias, int relu,
                          int outputs, int k, int pixels, float *out) {
    for (int group = 0; group < (outputs + 3) / 4; group++) {
        const int o0 = group * 4;
        const float *w = packed + (size_t)group * k * 4;
        float b[4];
        for (int i = 0; i < 4; i++) b[i] = o0 + i < outputs ? bias[o0 + i] : 0.0f;
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
        for (int i = 0; i < 4; i++) b[i] = o0 + i < outputs ? bias[o0 + i] : 0.0f;
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
        for (; p < pixels; p++) {
            for (int i = 0; i < 4 && o0 + i < outputs; i++) {
                float sum = b[i];
                for (int r = 0; r < k; r++) sum += w[r * 4 + i] * col[(size_t)r * pixels + p];
                out[(size_t)(o0 + i) * pixels + p] = relu && sum < 0 ? 0.0f : sum;
            }
        }
    }
}

static int has_avx2(void) {
    static int known = -1;  // benign race: every thread computes the same answer
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return known;
}
#else
static int has_avx2(void) { return 0; }
#endif

void cpd_conv_gemm(const float *col, const float *packed, const float *bias, int relu,
                   int outputs, int k, int pixels, float *out) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (has_avx2()) {
        gemm_avx2(col, packed, bias, relu, outputs, k, pixels, out);
        return;
    }
#endif
    cpd_conv_gemm_portable(col, packed, bias, relu, outputs, k, pixels, out);
}

const char *cpd_conv_kernel_name(void) { return has_avx2() ? "avx2+fma" : "portable"; }
