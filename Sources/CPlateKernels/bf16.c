// 3x3 "same" convolutions on bfloat16 products (see plate_kernels.h). With AVX-512 BF16 one VDPBF16PS does two
// input channels' multiply-adds per lane (32 per 512-bit instruction, against 16 for VFMADD), accumulating in
// float32, so a layer takes about half the instructions of the float32 direct kernel. The price is the inputs'
// and weights' precision: bfloat16 keeps 8 significant bits (a relative error up to 2^-9 per factor); sums,
// bias and ReLU stay float32.
//
// The same code runs the matrix product of the other convolutions (4x4, 1x1: `cpd_conv_gemm_bf16`), as a 1x1
// convolution over one row of `pixels` whose channels are the im2col matrix's rows.
//
// Layout: channels go in pairs. Each 32-bit word of the converted input holds pixel (y, x) of channels 2p (low
// half) and 2p+1 (high half); each weight word holds one output's tap for the same two channels. An odd last
// channel is paired with zeros.
#include "plate_kernels.h"
#include "amx.h"
#include "bfloat16.h"
#include "cpu_features.h"
#include "block512.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

static inline int pairs_of(int channels) { return (channels + 1) / 2; }

/// The AMX kernel's shapes (amx.h): a 3x3 layer reads three pair rows per channel pair at three taps; a matrix
/// product one row per pair of k at one.
static cpd_amx_shape amx_3x3(int channels, int outputs) { return (cpd_amx_shape){3 * pairs_of(channels), 3, outputs}; }
static cpd_amx_shape amx_gemm(int k, int outputs) { return (cpd_amx_shape){pairs_of(k), 1, outputs}; }

/// Words of the AVX-512 kernel's weights; the AMX kernel's follow them in the same buffer, so one packing serves
/// whichever kernel the CPU runs.
static size_t vector_words_3x3(int channels, int outputs) { return (size_t)((outputs + 3) / 4) * pairs_of(channels) * 9 * 4; }
static size_t vector_words_gemm(int k, int outputs) { return (size_t)((outputs + 3) / 4) * pairs_of(k) * 4; }

size_t cpd_bf16_weight_words(int channels, int outputs) {
    return vector_words_3x3(channels, outputs) + cpd_amx_weight_words(amx_3x3(channels, outputs));
}

size_t cpd_bf16_gemm_weight_words(int k, int outputs) {
    return vector_words_gemm(k, outputs) + cpd_amx_weight_words(amx_gemm(k, outputs));
}

size_t cpd_bf16_scratch_words(int channels, int height, int width) {
    return (size_t)pairs_of(channels) * (height + 2) * (width + 2) + CPD_AMX_TAIL_WORDS;
}

size_t cpd_bf16_gemm_scratch_words(int k, int pixels) { return (size_t)pairs_of(k) * pixels + CPD_AMX_TAIL_WORDS; }

/// Weights `[outputs][channels][taps]` rounded and paired by channel: `[outputs/4][channels/2][taps][4]` words.
static void pair_weights(const float *weights, int channels, int taps, int outputs, uint32_t *packed) {
    const int pairs = pairs_of(channels), groups = (outputs + 3) / 4;
    memset(packed, 0, sizeof(uint32_t) * (size_t)groups * pairs * taps * 4);
    for (int g = 0; g < groups; g++)
        for (int p = 0; p < pairs; p++)
            for (int t = 0; t < taps; t++)
                for (int i = 0; i < 4; i++) {
                    const int o = 4 * g + i, c = 2 * p;
                    if (o >= outputs) continue;
                    const uint32_t low = to_bf16(weights[((size_t)o * channels + c) * taps + t]);
                    const uint32_t high = c + 1 < channels ? to_bf16(weights[((size_t)o * channels + c + 1) * taps + t]) : 0;
                    packed[(((size_t)g * pairs + p) * taps + t) * 4 + i] = low | high << 16;
                }
}

void cpd_bf16_weights(const float *weights, int channels, int outputs, uint32_t *packed) {
    pair_weights(weights, channels, 9, outputs, packed);
    cpd_amx_weights(weights, channels, amx_3x3(channels, outputs), packed + vector_words_3x3(channels, outputs));
}

void cpd_bf16_gemm_weights(const float *weights, int k, int outputs, uint32_t *packed) {
    pair_weights(weights, k, 1, outputs, packed);
    cpd_amx_weights(weights, k, amx_gemm(k, outputs), packed + vector_words_gemm(k, outputs));
}

/// The bordered float32 planes as channel pairs of bfloat16 (the layout above), element by element.
static void convert_portable(const float *padded, int channels, size_t plane, uint32_t *pairs) {
    for (int p = 0; p < pairs_of(channels); p++) {
        const float *low = padded + (size_t)(2 * p) * plane, *high = low + plane;
        const int odd = 2 * p + 1 >= channels;
        for (size_t n = 0; n < plane; n++) pairs[(size_t)p * plane + n] = to_bf16(low[n]) | (odd ? 0 : to_bf16(high[n]) << 16);
    }
}

/// Where a layer's paired input lies: pair p's plane starts `plane` words after pair p-1's, rows are `pw` words
/// apart, and output (y, x) reads the `size` x `size` taps from (y, x) on (3: a bordered plane; 1: a matrix row).
typedef struct { size_t plane; int pw, size; } pair_layout;

/// The same products and sums on any CPU: the reference the vector kernel is tested against, and the
/// fallback where there is no AVX-512 BF16 (the network only picks bfloat16 where there is).
static void conv_bf16_portable(const uint32_t *pairs, int channels, pair_layout at, int height, int width,
                               const uint32_t *packed, const float *bias, int relu, int outputs, float *out,
                               size_t out_row, size_t out_plane) {
    const int np = pairs_of(channels), taps = at.size * at.size, k2 = np * taps;
    for (int o = 0; o < outputs; o++) {
        const uint32_t *w = packed + (size_t)(o / 4) * k2 * 4 + o % 4;
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) {
                float sum = bias[o];
                for (int p = 0; p < np; p++)
                    for (int t = 0; t < taps; t++) {
                        const uint32_t s = pairs[(size_t)p * at.plane + (size_t)(y + t / at.size) * at.pw + x + t % at.size];
                        const uint32_t v = w[((size_t)p * taps + t) * 4];
                        sum += from_bf16(s & 0xFFFF) * from_bf16(v & 0xFFFF) + from_bf16(s >> 16) * from_bf16(v >> 16);
                    }
                out[(size_t)o * out_plane + (size_t)y * out_row + x] = relu && sum < 0 ? 0.0f : sum;
            }
    }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
int cpd_cpu_has_avx512_bf16(void) {
    static int known = -1;  // benign race: every thread computes the same answer
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512bf16");
    }
    return known;
}

/// Two planes at a time: VCVTNE2PS2BF16 packs 16 pixels of each channel into one vector, and a word shuffle
/// puts each pixel's two halves side by side. The planes are `rows` rows of `row` floats; pair p's row y goes to
/// pairs + p*pair_step + y*row_step (the pair planes of the AVX-512 kernel, or the AMX kernel's pair rows).
__attribute__((target("avx512f,avx512bw,avx512bf16")))
static void convert_avx512(const float *padded, int channels, int rows, int row, size_t pair_step, size_t row_step,
                           uint32_t *pairs) {
    uint16_t order[32];
    for (int j = 0; j < 16; j++) order[2 * j] = (uint16_t)j, order[2 * j + 1] = (uint16_t)(16 + j);
    const __m512i interleave = _mm512_loadu_si512(order);
    const size_t plane = (size_t)rows * row;
    for (int p = 0; p < pairs_of(channels); p++) {
        const int odd = 2 * p + 1 >= channels;
        for (int y = 0; y < rows; y++) {
            const float *low = padded + (size_t)(2 * p) * plane + (size_t)y * row, *high = low + plane;
            uint32_t *dst = pairs + (size_t)p * pair_step + (size_t)y * row_step;
            for (int n = 0; n < row; n += 16) {
                const __mmask16 m = row - n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (row - n)) - 1u);
                const __m512 a = _mm512_maskz_loadu_ps(m, low + n);
                const __m512 b = odd ? _mm512_setzero_ps() : _mm512_maskz_loadu_ps(m, high + n);
                const __m512i both = (__m512i)_mm512_cvtne2ps_pbh(b, a);  // a in the low 16 words, b in the high
                _mm512_mask_storeu_epi32(dst + n, m, _mm512_permutexvar_epi16(interleave, both));
            }
        }
    }
}

/// A 3x3 layer's bordered input as the AMX kernel's pair rows in `scratch`, zeroed tail included: the three input
/// rows an output row reads are 3 x pairs consecutive rows, one tile of B. Output row y starts at pair row y*pairs.
__attribute__((target("avx512f,avx512bw,avx512bf16")))
static void amx_pair_rows(const float *padded, int channels, int height, int width, uint32_t *scratch) {
    const int np = pairs_of(channels), pw = width + 2, rows = height + 2;
    convert_avx512(padded, channels, rows, pw, (size_t)pw, (size_t)np * pw, scratch);
    memset(scratch + (size_t)rows * np * pw, 0, CPD_AMX_TAIL_WORDS * sizeof(uint32_t));
}

/// As conv3x3_block512 (plate_kernels.c) with channel pairs: 4 x `groups` outputs by `vectors` x 16 pixels of
/// one output row, one accumulator register each, the last vector possibly masked. `size` is a constant at every
/// call, like the shapes.
__attribute__((target("avx512f,avx512bw,avx512bf16"), always_inline))
static inline void block_bf16(const uint32_t *pairs, int np, size_t plane, int pw, int size, const uint32_t *w, int k2,
                              const float *bias, int relu, int outputs, int o0, int y, int x, int groups, int vectors,
                              __mmask16 mask, float *out, size_t out_row, size_t out_plane) {
    __m512 acc[8][2];
    for (int i = 0; i < 4 * groups; i++)
        for (int v = 0; v < vectors; v++) acc[i][v] = _mm512_set1_ps(o0 + i < outputs ? bias[o0 + i] : 0.0f);
    const uint32_t *wr = w;
    for (int p = 0; p < np; p++) {
        const uint32_t *row = pairs + (size_t)p * plane + (size_t)y * pw + x;
        for (int dy = 0; dy < size; dy++, row += pw) {
            for (int dx = 0; dx < size; dx++, wr += 4) {
                __m512i s[2];
                for (int v = 0; v < vectors; v++)
                    s[v] = v == vectors - 1 ? _mm512_maskz_loadu_epi32(mask, row + dx + 16 * v)
                                            : _mm512_loadu_si512(row + dx + 16 * v);
                for (int g = 0; g < groups; g++)
                    for (int i = 0; i < 4; i++) {
                        const __m512i weight = _mm512_set1_epi32((int)wr[(size_t)g * k2 * 4 + i]);
                        for (int v = 0; v < vectors; v++)
                            acc[4 * g + i][v] = _mm512_dpbf16_ps(acc[4 * g + i][v], (__m512bh)s[v], (__m512bh)weight);
                    }
            }
        }
    }
    cpd_store_block512(acc, groups, vectors, mask, relu, outputs, o0, y, x, out, out_row, out_plane);
}

__attribute__((target("avx512f,avx512bw,avx512bf16")))
static void conv3x3_bf16_avx512(const uint32_t *pairs, int channels, int height, int width, const uint32_t *packed,
                                const float *bias, int relu, int outputs, float *out, size_t out_row, size_t out_plane) {
    const int np = pairs_of(channels), k2 = np * 9, pw = width + 2;
    const size_t plane = (size_t)(height + 2) * pw;
#define BLOCK(groups, vectors, mask)                                                                                   \
    block_bf16(pairs, np, plane, pw, 3, packed + (size_t)(o0 / 4) * k2 * 4, k2, bias, relu, outputs, o0, y, x, groups, \
               vectors, mask, out, out_row, out_plane)
    CPD_FOR_EACH_BLOCK512(outputs, height, width, BLOCK)
#undef BLOCK
}

__attribute__((target("avx512f,avx512bw,avx512bf16")))
static void gemm_bf16_avx512(const uint32_t *pairs, int k, int pixels, const uint32_t *packed, const float *bias,
                             int relu, int outputs, float *out) {
    const int np = pairs_of(k);
#define BLOCK(groups, vectors, mask)                                                                                   \
    block_bf16(pairs, np, (size_t)pixels, pixels, 1, packed + (size_t)(o0 / 4) * np * 4, np, bias, relu, outputs, o0, y, \
               x, groups, vectors, mask, out, (size_t)pixels, (size_t)pixels)
    CPD_FOR_EACH_BLOCK512(outputs, 1, pixels, BLOCK)
#undef BLOCK
}
#else
int cpd_cpu_has_avx512_bf16(void) { return 0; }
#endif

/// Whether bfloat16 products run a layer faster than float32 ones on this CPU, timed once per process (about 3 ms).
/// The CPU flag alone does not say. An AMD EPYC (Zen 4) read a 1080p frame in 14 ms with them against 20 without.
/// An Intel Xeon with the same AVX-512 BF16 flag took 39-45 ms with them against 29-30 without: there a 3x3 layer
/// ran 35 billion multiply-adds a second in bfloat16 against 68 in float32. The test layer (32 channels on a 16x64
/// map) is the size of the networks' middle layers; bfloat16 must win by 15 %, since it also rounds. Where AMX runs,
/// the timed kernel is the tile one: on the same Xeon it ran that layer 3.7x faster than float32.
static int bf16_chosen;
static pthread_once_t bf16_timed = PTHREAD_ONCE_INIT;

static void time_bf16(void) { bf16_chosen = cpd_cpu_has_avx512_bf16() && cpd_bf16_timing_ratio() < 0.85; }

static int bf16_pays(void) {
    pthread_once(&bf16_timed, time_bf16);  // once: every network of the process makes the same choice
    return bf16_chosen;
}

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

double cpd_bf16_timing_ratio(void) {
    enum { C = 32, O = 32, H = 16, W = 64, ROUNDS = 8, WARM = 2 };
    const size_t plane = (size_t)(H + 2) * (W + 2);
    float *padded = calloc((size_t)C * plane, sizeof(float));
    float *weights = malloc((size_t)O * C * 9 * sizeof(float));
    float *packed = calloc((size_t)(O + 3) / 4 * C * 9 * 4, sizeof(float));
    float *bias = calloc(O, sizeof(float));
    float *out = malloc((size_t)O * H * W * sizeof(float));
    uint32_t *paired = malloc(cpd_bf16_weight_words(C, O) * sizeof(uint32_t));
    uint32_t *scratch = malloc(cpd_bf16_scratch_words(C, H, W) * sizeof(uint32_t));
    double ratio = 1.0;
    if (padded && weights && packed && bias && out && paired && scratch) {
        for (size_t i = 0; i < (size_t)C * plane; i++) padded[i] = (float)(i % 7) * 0.25f - 0.5f;
        for (size_t i = 0; i < (size_t)O * C * 9; i++) weights[i] = (float)(i % 5) * 0.125f - 0.25f;
        for (int o = 0; o < O; o++)
            for (int r = 0; r < C * 9; r++) packed[((size_t)(o / 4) * C * 9 + r) * 4 + o % 4] = weights[(size_t)o * C * 9 + r];
        cpd_bf16_weights(weights, C, O, paired);
        double best32 = 1e9, best16 = 1e9;
        for (int round = 0; round < ROUNDS; round++) {  // interleaved, fastest of each: the least disturbed
            double t0 = seconds_now();
            cpd_conv3x3_strided(padded, C, H, W, packed, bias, 1, O, out, W, H * W);
            double t1 = seconds_now();
            cpd_conv3x3_bf16(padded, C, H, W, paired, bias, 1, O, out, W, H * W, scratch);
            double t2 = seconds_now();
            if (round < WARM) continue;  // first touches of the buffers; a CPU may wake its wide units slowly
            best32 = t1 - t0 < best32 ? t1 - t0 : best32;
            best16 = t2 - t1 < best16 ? t2 - t1 : best16;
        }
        ratio = best32 > 0 ? best16 / best32 : 1.0;
    }
    free(padded); free(weights); free(packed); free(bias); free(out); free(paired); free(scratch);
    return ratio;
}

int cpd_conv3x3_prefers_bf16(int channels) {
    // One or two input channels fill a pair with zeros or nothing to pair with: no fewer instructions.
    return channels >= 3 && bf16_pays();
}

/// Which kernel a bfloat16 layer runs on: the fastest this CPU has, or (for tests) AVX-512 BF16 without AMX, or
/// the portable one.
enum { KERNEL_BEST, KERNEL_AVX512, KERNEL_PORTABLE };

static void conv3x3_bf16(const float *padded, int channels, int height, int width, const uint32_t *packed,
                         const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                         uint32_t *scratch, int kernel) {
    const pair_layout at = {(size_t)(height + 2) * (width + 2), width + 2, 3};
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (kernel == KERNEL_BEST && cpd_amx_usable()) {
        amx_pair_rows(padded, channels, height, width, scratch);
        cpd_amx_conv(scratch, at.pw, pairs_of(channels), height, width, amx_3x3(channels, outputs),
                     packed + vector_words_3x3(channels, outputs), bias, relu, out, (size_t)out_row, (size_t)out_plane);
        return;
    }
    if (kernel != KERNEL_PORTABLE && cpd_cpu_has_avx512_bf16()) {
        convert_avx512(padded, channels, height + 2, at.pw, at.plane, (size_t)at.pw, scratch);
        conv3x3_bf16_avx512(scratch, channels, height, width, packed, bias, relu, outputs, out, (size_t)out_row,
                            (size_t)out_plane);
        return;
    }
#endif
    convert_portable(padded, channels, at.plane, scratch);
    conv_bf16_portable(scratch, channels, at, height, width, packed, bias, relu, outputs, out, (size_t)out_row,
                       (size_t)out_plane);
}

void cpd_conv3x3_bf16(const float *padded, int channels, int height, int width, const uint32_t *packed,
                      const float *bias, int relu, int outputs, float *out, int out_row, int out_plane, uint32_t *scratch) {
    conv3x3_bf16(padded, channels, height, width, packed, bias, relu, outputs, out, out_row, out_plane, scratch,
                 KERNEL_BEST);
}

int cpd_conv3x3_bf16_fuses_pool(void) { return cpd_amx_usable(); }

void cpd_conv3x3_bf16_pool2(const float *padded, int channels, int height, int width, const uint32_t *packed,
                            const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                            uint32_t *scratch) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (cpd_amx_usable()) {
        amx_pair_rows(padded, channels, height, width, scratch);
        cpd_amx_conv_pool2(scratch, width + 2, pairs_of(channels), height, width, amx_3x3(channels, outputs),
                           packed + vector_words_3x3(channels, outputs), bias, relu, out, (size_t)out_row,
                           (size_t)out_plane);
        return;
    }
#endif
    // Elsewhere the two steps one after the other (the networks do not fuse there: see the header).
    float *full = malloc(sizeof(float) * (size_t)outputs * height * width);
    if (!full) return;
    conv3x3_bf16(padded, channels, height, width, packed, bias, relu, outputs, full, width, height * width, scratch,
                 KERNEL_BEST);
    cpd_max_pool_strided(full, outputs, height, width, 2, 2, 2, 2, out, out_row, out_plane);
    free(full);
}

void cpd_conv3x3_bf16_avx512(const float *padded, int channels, int height, int width, const uint32_t *packed,
                             const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                             uint32_t *scratch) {
    conv3x3_bf16(padded, channels, height, width, packed, bias, relu, outputs, out, out_row, out_plane, scratch,
                 KERNEL_AVX512);
}

void cpd_conv3x3_bf16_portable(const float *padded, int channels, int height, int width, const uint32_t *packed,
                               const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                               uint32_t *scratch) {
    conv3x3_bf16(padded, channels, height, width, packed, bias, relu, outputs, out, out_row, out_plane, scratch,
                 KERNEL_PORTABLE);
}

int cpd_conv_gemm_prefers_bf16(int k) { return k >= 8 && bf16_pays(); }

static void gemm_bf16(const float *col, int k, int pixels, const uint32_t *packed, const float *bias, int relu,
                      int outputs, float *out, uint32_t *scratch, int kernel) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    if (kernel != KERNEL_PORTABLE && cpd_cpu_has_avx512_bf16()) {
        // The pair planes of a matrix are one row each: the AMX kernel's pair rows as they stand.
        convert_avx512(col, k, 1, pixels, (size_t)pixels, 0, scratch);
        if (kernel == KERNEL_BEST && cpd_amx_usable() && cpd_amx_chunk_rows(pairs_of(k)) >= 4) {
            memset(scratch + (size_t)pairs_of(k) * pixels, 0, CPD_AMX_TAIL_WORDS * sizeof(uint32_t));
            cpd_amx_conv(scratch, pixels, 0, 1, pixels, amx_gemm(k, outputs), packed + vector_words_gemm(k, outputs),
                         bias, relu, out, (size_t)pixels, (size_t)pixels);
        } else {
            gemm_bf16_avx512(scratch, k, pixels, packed, bias, relu, outputs, out);
        }
        return;
    }
#endif
    const pair_layout at = {(size_t)pixels, pixels, 1};
    convert_portable(col, k, at.plane, scratch);
    conv_bf16_portable(scratch, k, at, 1, pixels, packed, bias, relu, outputs, out, (size_t)pixels, (size_t)pixels);
}

void cpd_conv_gemm_bf16(const float *col, int k, int pixels, const uint32_t *packed, const float *bias, int relu,
                        int outputs, float *out, uint32_t *scratch) {
    gemm_bf16(col, k, pixels, packed, bias, relu, outputs, out, scratch, KERNEL_BEST);
}

void cpd_conv_gemm_bf16_avx512(const float *col, int k, int pixels, const uint32_t *packed, const float *bias,
                               int relu, int outputs, float *out, uint32_t *scratch) {
    gemm_bf16(col, k, pixels, packed, bias, relu, outputs, out, scratch, KERNEL_AVX512);
}

void cpd_conv_gemm_bf16_portable(const float *col, int k, int pixels, const uint32_t *packed, const float *bias,
                                 int relu, int outputs, float *out, uint32_t *scratch) {
    gemm_bf16(col, k, pixels, packed, bias, relu, outputs, out, scratch, KERNEL_PORTABLE);
}
