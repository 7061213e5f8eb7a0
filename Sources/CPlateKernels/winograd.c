// 3x3 "same" convolutions by Winograd's F(2x2, 3x3) (see plate_kernels.h): each 2x2 block of outputs ("tile")
// comes from a 4x4 patch of the input through 16 element-wise products per input channel instead of 36
// multiply-adds, so the products (a matrix product per position, the hot loop) are 2.25x fewer; the patch and
// output transforms are additions. Y = A^T [(G g G^T) . (B^T d B)] A with
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],  A^T = [1 1 1 0; 0 1 -1 -1].
// Work goes one row of tiles at a time, so the transformed input of that row (16 x channels x tiles) stays in cache.
#include "plate_kernels.h"
#include "cpu_features.h"

#include <stddef.h>
#include <string.h>

// Most tiles in one block of the products: three 8-float vectors (rows are cut into blocks of 24, then 16 or 8).
#define BLOCK 24

/// Tiles across a row of output `width` wide, rounded up to whole vectors.
static int padded_tiles(int width) {
    const int tiles = (width + 1) / 2;
    return (tiles + 7) / 8 * 8;
}

/// Floats in one padded input line: the transforms read up to column 2*tiles + 17.
static int line_length(int tiles) { return 2 * tiles + 18; }

size_t cpd_winograd_scratch_floats(int channels, int width) {
    const int tiles = padded_tiles(width);
    return (size_t)16 * channels * tiles + 4 * (size_t)line_length(tiles);
}

size_t cpd_winograd_weight_floats(int channels, int outputs) { return (size_t)16 * ((outputs + 3) / 4) * channels * 4; }

void cpd_winograd_weights(const float *weights, int channels, int outputs, float *transformed) {
    static const float G[4][3] = {{1, 0, 0}, {0.5f, 0.5f, 0.5f}, {0.5f, -0.5f, 0.5f}, {0, 0, 1}};
    const int groups = (outputs + 3) / 4;
    memset(transformed, 0, sizeof(float) * cpd_winograd_weight_floats(channels, outputs));
    for (int o = 0; o < outputs; o++) {
        for (int c = 0; c < channels; c++) {
            const float *g = weights + ((size_t)o * channels + c) * 9;
            float gg[4][3];  // G g
            for (int a = 0; a < 4; a++)
                for (int j = 0; j < 3; j++) gg[a][j] = G[a][0] * g[j] + G[a][1] * g[3 + j] + G[a][2] * g[6 + j];
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 4; b++)
                    transformed[(((size_t)(a * 4 + b) * groups + o / 4) * channels + c) * 4 + o % 4] =
                        gg[a][0] * G[b][0] + gg[a][1] * G[b][1] + gg[a][2] * G[b][2];
        }
    }
}

/// The four padded input rows of tile row `ty` of channel `c`, copied into zero-filled lines (so the transforms
/// may read past the row's end and below the last row).
static void load_lines(const float *padded, int c, int height, int width, int ty, int tiles, float *lines) {
    const int pw = width + 2, length = line_length(tiles);
    const size_t plane = (size_t)(height + 2) * pw;
    for (int r = 0; r < 4; r++) {
        float *line = lines + (size_t)r * length;
        const int y = 2 * ty + r;
        if (y < height + 2) {
            memcpy(line, padded + c * plane + (size_t)y * pw, sizeof(float) * pw);
            memset(line + pw, 0, sizeof(float) * (length - pw));
        } else {
            memset(line, 0, sizeof(float) * length);
        }
    }
}

/// Output tile values y00 y01 (row 2ty) and y10 y11 (row 2ty+1) of `count` tiles from column 2*t0, written where
/// they fall inside the output.
static void store_tiles(const float *y0, const float *y1, int count, int t0, int ty, int height, int width, float *plane,
                        size_t out_row) {
    for (int i = 0; i < count; i++) {
        const int x = 2 * (t0 + i);
        if (x >= width) break;
        for (int r = 0; r < 2 && 2 * ty + r < height; r++) {
            const float *y = r ? y1 : y0;
            float *dst = plane + (size_t)(2 * ty + r) * out_row + x;
            dst[0] = y[2 * i];
            if (x + 1 < width) dst[1] = y[2 * i + 1];
        }
    }
}

static void winograd_portable(const float *padded, int channels, int height, int width, const float *transformed,
                              const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane,
                              float *scratch) {
    const int tiles = padded_tiles(width), groups = (outputs + 3) / 4, length = line_length(tiles);
    float *v = scratch, *lines = scratch + (size_t)16 * channels * tiles;
    for (int ty = 0; ty < (height + 1) / 2; ty++) {
        for (int c = 0; c < channels; c++) {
            load_lines(padded, c, height, width, ty, tiles, lines);
            for (int t = 0; t < tiles; t++) {
                float h[4][4];
                for (int r = 0; r < 4; r++) {
                    const float *d = lines + (size_t)r * length + 2 * t;
                    h[r][0] = d[0] - d[2]; h[r][1] = d[1] + d[2]; h[r][2] = d[2] - d[1]; h[r][3] = d[1] - d[3];
                }
                for (int k = 0; k < 4; k++) {
                    v[((size_t)(0 + k) * channels + c) * tiles + t] = h[0][k] - h[2][k];
                    v[((size_t)(4 + k) * channels + c) * tiles + t] = h[1][k] + h[2][k];
                    v[((size_t)(8 + k) * channels + c) * tiles + t] = h[2][k] - h[1][k];
                    v[((size_t)(12 + k) * channels + c) * tiles + t] = h[1][k] - h[3][k];
                }
            }
        }
        for (int g = 0; g < groups; g++) {
            for (int t0 = 0; t0 < tiles; t0 += BLOCK) {
                const int count = tiles - t0 < BLOCK ? tiles - t0 : BLOCK;
                float m[16][4][BLOCK];
                for (int p = 0; p < 16; p++) {
                    const float *u = transformed + ((size_t)p * groups + g) * channels * 4;
                    for (int i = 0; i < 4; i++)
                        for (int t = 0; t < BLOCK; t++) m[p][i][t] = 0;
                    for (int c = 0; c < channels; c++) {
                        const float *vc = v + ((size_t)p * channels + c) * tiles + t0;
                        for (int i = 0; i < 4; i++)
                            for (int t = 0; t < count; t++) m[p][i][t] += u[c * 4 + i] * vc[t];
                    }
                }
                for (int i = 0; i < 4 && 4 * g + i < outputs; i++) {
                    float y0[2 * BLOCK], y1[2 * BLOCK];
                    for (int t = 0; t < count; t++) {
                        float r0[4], r1[4];
                        for (int k = 0; k < 4; k++) {
                            r0[k] = m[k][i][t] + m[4 + k][i][t] + m[8 + k][i][t];
                            r1[k] = m[4 + k][i][t] - m[8 + k][i][t] - m[12 + k][i][t];
                        }
                        const float b = bias[4 * g + i];
                        float y[4] = {r0[0] + r0[1] + r0[2] + b, r0[1] - r0[2] - r0[3] + b,
                                      r1[0] + r1[1] + r1[2] + b, r1[1] - r1[2] - r1[3] + b};
                        for (int q = 0; q < 4; q++)
                            if (relu && y[q] < 0) y[q] = 0;
                        y0[2 * t] = y[0]; y0[2 * t + 1] = y[1]; y1[2 * t] = y[2]; y1[2 * t + 1] = y[3];
                    }
                    store_tiles(y0, y1, count, t0, ty, height, width, out + (size_t)(4 * g + i) * out_plane, out_row);
                }
            }
        }
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/// Even and odd lanes of the 16 floats a, b: (a0 a2 … b6) and (a1 a3 … b7).
__attribute__((target("avx2,fma"), always_inline))
static inline void deinterleave(__m256 a, __m256 b, __m256 *even, __m256 *odd) {
    *even = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0x88)), 0xD8));
    *odd = _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(_mm256_shuffle_ps(a, b, 0xDD)), 0xD8));
}

/// Stores the 8 tiles' left and right outputs (one output row) interleaved: 16 floats, or the first `count`.
__attribute__((target("avx2,fma"), always_inline))
static inline void store_interleaved(float *dst, __m256 left, __m256 right, int count) {
    const __m256 lo = _mm256_unpacklo_ps(left, right), hi = _mm256_unpackhi_ps(left, right);
    const __m256 first = _mm256_permute2f128_ps(lo, hi, 0x20), second = _mm256_permute2f128_ps(lo, hi, 0x31);
    if (count >= 16) {
        _mm256_storeu_ps(dst, first);
        _mm256_storeu_ps(dst + 8, second);
    } else {
        float row[16];
        _mm256_storeu_ps(row, first);
        _mm256_storeu_ps(row + 8, second);
        memcpy(dst, row, sizeof(float) * count);
    }
}

/// One position's products for 4 x `groups` outputs over `vectors` x 8 tiles: m[i][t] = sum_c u[c][i] * v[c][t] (v's rows
/// `stride` apart; the second group's weights `channels` x 4 after the first's). `groups` and `vectors` are constants
/// at every call, so each shape gets its own unrolled loop; a narrow block takes two groups so that it still has eight
/// accumulators to hide the multiply-add's latency.
__attribute__((target("avx2,fma"), always_inline))
static inline void products(const float *v, size_t stride, const float *u, int channels, int groups, int vectors, float *m) {
    __m256 acc[8][3];
    for (int i = 0; i < 4 * groups; i++)
        for (int j = 0; j < vectors; j++) acc[i][j] = _mm256_setzero_ps();
    const size_t next = (size_t)channels * 4;
    for (int c = 0; c < channels; c++, v += stride, u += 4) {
        __m256 s[3];
        for (int j = 0; j < vectors; j++) s[j] = _mm256_loadu_ps(v + 8 * j);
        for (int i = 0; i < 4 * groups; i++) {
            const __m256 w = _mm256_broadcast_ss(u + (i / 4) * next + i % 4);
            for (int j = 0; j < vectors; j++) acc[i][j] = _mm256_fmadd_ps(s[j], w, acc[i][j]);
        }
    }
    for (int i = 0; i < 4 * groups; i++)
        for (int j = 0; j < vectors; j++) _mm256_store_ps(m + i * BLOCK + 8 * j, acc[i][j]);
}

__attribute__((target("avx2,fma")))
static void winograd_avx2(const float *padded, int channels, int height, int width, const float *transformed,
                          const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane,
                          float *scratch) {
    const int tiles = padded_tiles(width), groups = (outputs + 3) / 4, length = line_length(tiles);
    float *v = scratch, *lines = scratch + (size_t)16 * channels * tiles;
    const __m256 zero = _mm256_setzero_ps();
    for (int ty = 0; ty < (height + 1) / 2; ty++) {
        // The patches of this row of tiles, transformed: v[position][channel][tile]. Blocks of 8 tiles read 18
        // columns from 2t; those that end inside the padded row read it in place, the rest a zero-filled copy.
        const int pw = width + 2, inside = pw >= 18 ? ((pw - 18) / 2 / 8 + 1) * 8 : 0;
        const size_t plane = (size_t)(height + 2) * pw;
        for (int c = 0; c < channels; c++) {
            // rows[r]: the row read in place (from column 0); tails[r]: columns from 2 * inside on, zero-filled.
            // A row below the padded plane (odd heights) is all zeros: both point at a zeroed line.
            const float *rows[4], *tails[4];
            for (int r = 0; r < 4; r++) {
                const int y = 2 * ty + r;
                float *line = lines + (size_t)r * length;
                if (y >= height + 2) {
                    memset(line, 0, sizeof(float) * length);
                    rows[r] = tails[r] = line;
                    continue;
                }
                rows[r] = padded + c * plane + (size_t)y * pw;
                tails[r] = line;
                if (inside < tiles) {
                    const int from = 2 * inside, kept = pw - from;
                    memcpy(line, rows[r] + from, sizeof(float) * kept);
                    memset(line + kept, 0, sizeof(float) * (2 * (tiles - inside) + 18 - kept));
                }
            }
            for (int t = 0; t < tiles; t += 8) {
                __m256 h[4][4];
                for (int r = 0; r < 4; r++) {
                    const float *d = rows[r] == tails[r] ? rows[r] + 2 * t
                                     : t < inside ? rows[r] + 2 * t : tails[r] + 2 * (t - inside);
                    __m256 d0, d1, d2, d3;
                    deinterleave(_mm256_loadu_ps(d), _mm256_loadu_ps(d + 8), &d0, &d1);
                    deinterleave(_mm256_loadu_ps(d + 2), _mm256_loadu_ps(d + 10), &d2, &d3);
                    h[r][0] = _mm256_sub_ps(d0, d2);
                    h[r][1] = _mm256_add_ps(d1, d2);
                    h[r][2] = _mm256_sub_ps(d2, d1);
                    h[r][3] = _mm256_sub_ps(d1, d3);
                }
                for (int k = 0; k < 4; k++) {
                    _mm256_storeu_ps(v + ((size_t)(0 + k) * channels + c) * tiles + t, _mm256_sub_ps(h[0][k], h[2][k]));
                    _mm256_storeu_ps(v + ((size_t)(4 + k) * channels + c) * tiles + t, _mm256_add_ps(h[1][k], h[2][k]));
                    _mm256_storeu_ps(v + ((size_t)(8 + k) * channels + c) * tiles + t, _mm256_sub_ps(h[2][k], h[1][k]));
                    _mm256_storeu_ps(v + ((size_t)(12 + k) * channels + c) * tiles + t, _mm256_sub_ps(h[1][k], h[3][k]));
                }
            }
        }
        for (int t0 = 0; t0 < tiles;) {
            // Blocks of three vectors of tiles, but two and two rather than three and one (a one-vector block runs
            // at half speed).
            const int left = (tiles - t0) / 8, vectors = left == 4 || left == 2 ? 2 : left >= 3 ? 3 : 1;
            for (int g = 0; g < groups;) {
                const int pair = vectors == 1 && groups - g >= 2 ? 2 : 1;
                // Sixteen products of the block's outputs over its tiles, then their output transform.
                __attribute__((aligned(32))) float m[16][8][BLOCK];
                for (int p = 0; p < 16; p++) {
                    const float *u = transformed + ((size_t)p * groups + g) * channels * 4;
                    const float *vp = v + (size_t)p * channels * tiles + t0;
                    if (vectors == 3) products(vp, tiles, u, channels, 1, 3, m[p][0]);
                    else if (vectors == 2) products(vp, tiles, u, channels, 1, 2, m[p][0]);
                    else if (pair == 2) products(vp, tiles, u, channels, 2, 1, m[p][0]);
                    else products(vp, tiles, u, channels, 1, 1, m[p][0]);
                }
                for (int i = 0; i < 4 * pair && 4 * g + i < outputs; i++) {
                    const __m256 b = _mm256_set1_ps(bias[4 * g + i]);
                    float *plane = out + (size_t)(4 * g + i) * out_plane;
                    for (int half = 0; half < vectors; half++) {
                        const int first = t0 + 8 * half, x = 2 * first;
                        if (x >= width) break;
                        __m256 r0[4], r1[4];
                        for (int k = 0; k < 4; k++) {
                            const __m256 m0 = _mm256_load_ps(m[k][i] + 8 * half), m1 = _mm256_load_ps(m[4 + k][i] + 8 * half);
                            const __m256 m2 = _mm256_load_ps(m[8 + k][i] + 8 * half), m3 = _mm256_load_ps(m[12 + k][i] + 8 * half);
                            r0[k] = _mm256_add_ps(_mm256_add_ps(m0, m1), m2);
                            r1[k] = _mm256_sub_ps(_mm256_sub_ps(m1, m2), m3);
                        }
                        __m256 y00 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r0[0], r0[1]), r0[2]), b);
                        __m256 y01 = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(r0[1], r0[2]), r0[3]), b);
                        __m256 y10 = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(r1[0], r1[1]), r1[2]), b);
                        __m256 y11 = _mm256_add_ps(_mm256_sub_ps(_mm256_sub_ps(r1[1], r1[2]), r1[3]), b);
                        if (relu) {
                            y00 = _mm256_max_ps(y00, zero); y01 = _mm256_max_ps(y01, zero);
                            y10 = _mm256_max_ps(y10, zero); y11 = _mm256_max_ps(y11, zero);
                        }
                        const int count = width - x < 16 ? width - x : 16;
                        store_interleaved(plane + (size_t)(2 * ty) * out_row + x, y00, y01, count);
                        if (2 * ty + 1 < height) store_interleaved(plane + (size_t)(2 * ty + 1) * out_row + x, y10, y11, count);
                    }
                }
                g += pair;
            }
            t0 += 8 * vectors;
        }
    }
}
#endif

void cpd_conv3x3_winograd(const float *padded, int channels, int height, int width, const float *transformed,
                          const float *bias, int relu, int outputs, float *out, int out_row, int out_plane, float *scratch) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (cpd_cpu_has_avx2()) {
        winograd_avx2(padded, channels, height, width, transformed, bias, relu, outputs, out, (size_t)out_row,
                      (size_t)out_plane, scratch);
        return;
    }
#endif
    winograd_portable(padded, channels, height, width, transformed, bias, relu, outputs, out, (size_t)out_row,
                      (size_t)out_plane, scratch);
}

void cpd_conv3x3_winograd_portable(const float *padded, int channels, int height, int width, const float *transformed,
                                   const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                                   float *scratch) {
    winograd_portable(padded, channels, height, width, transformed, bias, relu, outputs, out, (size_t)out_row,
                      (size_t)out_plane, scratch);
}

int cpd_conv3x3_prefers_winograd(int channels) {
    // Timed layer by layer on an AVX2-only AMD EPYC: 1.4-1.7x faster than the direct kernel from 16 input channels,
    // slower at 8 (the detector's second layer: the transforms outweigh the saving). Not timed on AVX-512, whose
    // direct kernel stays.
    return channels >= 16 && cpd_cpu_has_avx2() && !cpd_cpu_has_avx512();
}
