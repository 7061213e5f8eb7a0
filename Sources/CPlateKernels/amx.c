// Convolutions on Intel AMX tiles (see amx.h). One TDPBF16PS multiplies a 16 x 32 tile of bfloat16 weights by a
// 32 x 16 tile of inputs into 16 x 16 float32 sums: 8,192 multiply-adds, against 32 for one AVX-512 VDPBF16PS.
#include "amx.h"
#include "bfloat16.h"

#include <pthread.h>
#include <string.h>

int cpd_amx_chunk_rows(int rows) {
    for (int k = rows < 16 ? rows : 16; k > 1; k--)
        if (rows % k == 0) return k;
    return 1;
}

/// Outputs per tile (A's and C's rows): all of them up to 16, else 16 (the last block padded with zero weights).
static int block_outputs(int outputs) { return outputs < 16 ? outputs : 16; }

size_t cpd_amx_weight_words(cpd_amx_shape s) {
    const int m = block_outputs(s.outputs), blocks = (s.outputs + m - 1) / m;
    return (size_t)blocks * m * s.taps * s.rows;
}

void cpd_amx_weights(const float *weights, int channels, cpd_amx_shape s, uint32_t *packed) {
    const int pairs = (channels + 1) / 2, vertical = s.rows / pairs;
    const int k = cpd_amx_chunk_rows(s.rows), chunks = s.rows / k;
    const int m = block_outputs(s.outputs), blocks = (s.outputs + m - 1) / m;
    memset(packed, 0, cpd_amx_weight_words(s) * sizeof(uint32_t));
    // [block][tap][chunk][output in block][row in chunk]: one A tile per (block, tap, chunk), rows k words long.
    for (int b = 0; b < blocks; b++)
        for (int t = 0; t < s.taps; t++)
            for (int c = 0; c < chunks; c++)
                for (int i = 0; i < m; i++) {
                    const int o = b * m + i;
                    if (o >= s.outputs) continue;
                    for (int j = 0; j < k; j++) {
                        const int r = c * k + j, dy = r / pairs, ch = 2 * (r % pairs);
                        const float *w = weights + (size_t)o * channels * vertical * s.taps;
                        const uint32_t low = to_bf16(w[((size_t)ch * vertical + dy) * s.taps + t]);
                        const uint32_t high =
                            ch + 1 < channels ? to_bf16(w[((size_t)(ch + 1) * vertical + dy) * s.taps + t]) : 0;
                        packed[((((size_t)b * s.taps + t) * chunks + c) * m + i) * k + j] = low | high << 16;
                    }
                }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && defined(__linux__)
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA = 18 };

static int amx_granted;
static pthread_once_t amx_asked = PTHREAD_ONCE_INIT;

/// Linux hands out the 8 KB of tile state only to processes that ask (arch_prctl), once; a kernel without it says no.
static void ask_for_amx(void) {
    __builtin_cpu_init();
    const int cpu = __builtin_cpu_supports("amx-tile") && __builtin_cpu_supports("amx-bf16") &&
                    __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512bf16");
    amx_granted = cpu && syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
}

int cpd_amx_usable(void) {
    pthread_once(&amx_asked, ask_for_amx);
    return amx_granted;
}

/// LDTILECFG's 64-byte operand (palette 1): rows and bytes per row of each of the eight tiles.
typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t bytes[16];
    uint8_t rows[16];
} tile_config;

static void configure(tile_config *cfg, int c_tiles, int a_tiles, int b_tiles, int m, int k) {
    memset(cfg, 0, sizeof *cfg);
    cfg->palette = 1;
    int t = 0;
    for (int i = 0; i < c_tiles; i++, t++) cfg->rows[t] = (uint8_t)m, cfg->bytes[t] = 64;
    for (int i = 0; i < a_tiles; i++, t++) cfg->rows[t] = (uint8_t)m, cfg->bytes[t] = (uint16_t)(4 * k);
    for (int i = 0; i < b_tiles; i++, t++) cfg->rows[t] = (uint8_t)k, cfg->bytes[t] = 64;
}

/// One C tile (m outputs by 16 pixels, 64 bytes a row) plus bias, with ReLU, into the outputs from o0 at row y,
/// column x; outputs past the last and pixels past `width` are dropped.
__attribute__((target("avx512f")))
static void store_tile(const float *tile, int m, int o0, int outputs, const float *bias, int relu, int y, int x,
                       int width, float *out, size_t out_row, size_t out_plane) {
    const int n = width - x < 16 ? width - x : 16;
    if (n <= 0) return;
    const __mmask16 mask = (__mmask16)((1u << n) - 1u);
    const __m512 zero = _mm512_setzero_ps();
    for (int i = 0; i < m && o0 + i < outputs; i++) {
        __m512 v = _mm512_add_ps(_mm512_loadu_ps(tile + 16 * i), _mm512_set1_ps(bias[o0 + i]));
        if (relu) v = _mm512_max_ps(v, zero);
        _mm512_mask_storeu_ps(out + (size_t)(o0 + i) * out_plane + (size_t)y * out_row + x, mask, v);
    }
}

/// C tile `t` (a tile number must be a constant) through `tile` into the outputs from `o` at row y, column `xx`.
#define STORE_C(t, o, xx)                                                                             \
    do {                                                                                              \
        _tile_stored(t, tile, 64);                                                                    \
        store_tile(tile, m, o, s.outputs, bias, relu, y, xx, width, out, out_row, out_plane);         \
    } while (0)

/// Two output blocks by two 16-pixel blocks: C tiles 0-3, A tiles 4-5, B tiles 6-7.
__attribute__((target("amx-tile,amx-bf16,avx512f")))
static void blocks_2x2(const uint32_t *pair_rows, int row_words, int row_step, int height, int width, cpd_amx_shape s,
                       int k, const uint32_t *a0, const uint32_t *a1, size_t a_tap, int o0, int m, const float *bias,
                       int relu, float *out, size_t out_row, size_t out_plane) {
    const int chunks = s.rows / k;
    const size_t a_chunk = (size_t)m * k, stride = (size_t)row_words * 4;
    float tile[16 * 16];
    for (int y = 0; y < height; y++) {
        const uint32_t *rows = pair_rows + (size_t)y * row_step * row_words;
        for (int x = 0; x < width; x += 32) {
            _tile_zero(0); _tile_zero(1); _tile_zero(2); _tile_zero(3);
            for (int t = 0; t < s.taps; t++)
                for (int c = 0; c < chunks; c++) {
                    const uint32_t *b = rows + (size_t)c * k * row_words + x + t;
                    _tile_loadd(4, a0 + t * a_tap + c * a_chunk, 4 * k);
                    _tile_loadd(5, a1 + t * a_tap + c * a_chunk, 4 * k);
                    _tile_loadd(6, b, stride);
                    _tile_loadd(7, b + 16, stride);
                    _tile_dpbf16ps(0, 4, 6);
                    _tile_dpbf16ps(1, 4, 7);
                    _tile_dpbf16ps(2, 5, 6);
                    _tile_dpbf16ps(3, 5, 7);
                }
            STORE_C(0, o0, x);
            STORE_C(1, o0, x + 16);
            STORE_C(2, o0 + m, x);
            STORE_C(3, o0 + m, x + 16);
        }
    }
}

/// One output block by three 16-pixel blocks: C tiles 0-2, A tile 3, B tiles 4-6.
__attribute__((target("amx-tile,amx-bf16,avx512f")))
static void blocks_1x3(const uint32_t *pair_rows, int row_words, int row_step, int height, int width, cpd_amx_shape s,
                       int k, const uint32_t *a0, size_t a_tap, int o0, int m, const float *bias, int relu, float *out,
                       size_t out_row, size_t out_plane) {
    const int chunks = s.rows / k;
    const size_t a_chunk = (size_t)m * k, stride = (size_t)row_words * 4;
    float tile[16 * 16];
    for (int y = 0; y < height; y++) {
        const uint32_t *rows = pair_rows + (size_t)y * row_step * row_words;
        for (int x = 0; x < width; x += 48) {
            _tile_zero(0); _tile_zero(1); _tile_zero(2);
            for (int t = 0; t < s.taps; t++)
                for (int c = 0; c < chunks; c++) {
                    const uint32_t *b = rows + (size_t)c * k * row_words + x + t;
                    _tile_loadd(3, a0 + t * a_tap + c * a_chunk, 4 * k);
                    _tile_loadd(4, b, stride);
                    _tile_loadd(5, b + 16, stride);
                    _tile_loadd(6, b + 32, stride);
                    _tile_dpbf16ps(0, 3, 4);
                    _tile_dpbf16ps(1, 3, 5);
                    _tile_dpbf16ps(2, 3, 6);
                }
            STORE_C(0, o0, x);
            STORE_C(1, o0, x + 16);
            STORE_C(2, o0, x + 32);
        }
    }
}

#undef STORE_C

/// Two C tiles (m outputs by 16 pixels of output rows 2j and 2j+1) max-pooled 2x2 into 8 pixels of pooled row j
/// from pooled column x/2, plus bias, with ReLU (both commute with the maximum); outputs past the last and pooled
/// pixels past `pooled_width` are dropped.
__attribute__((target("avx512f")))
static void store_pooled(const float *upper, const float *lower, int m, int o0, int outputs, const float *bias,
                         int relu, int j, int x, int pooled_width, float *out, size_t out_row, size_t out_plane) {
    const int n = pooled_width - x / 2 < 8 ? pooled_width - x / 2 : 8;
    if (n <= 0) return;
    const __mmask16 mask = (__mmask16)((1u << n) - 1u);
    const __m512i even = _mm512_set_epi32(15, 13, 11, 9, 7, 5, 3, 1, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512 zero = _mm512_setzero_ps();
    for (int i = 0; i < m && o0 + i < outputs; i++) {
        const __m512 rows = _mm512_max_ps(_mm512_loadu_ps(upper + 16 * i), _mm512_loadu_ps(lower + 16 * i));
        const __m512 split = _mm512_permutexvar_ps(even, rows);  // even columns in lanes 0-7, odd in 8-15
        __m512 v = _mm512_max_ps(split, _mm512_shuffle_f32x4(split, split, 0x4E));  // lanes 0-7: pairs' maxima
        v = _mm512_add_ps(v, _mm512_set1_ps(bias[o0 + i]));
        if (relu) v = _mm512_max_ps(v, zero);
        _mm512_mask_storeu_ps(out + (size_t)(o0 + i) * out_plane + (size_t)j * out_row + x / 2, mask, v);
    }
}

/// For the pooled layers: two output blocks by output rows 2j and 2j+1 of one 16-pixel block: C tiles 0-3 (block,
/// row), A tiles 4-5, B tiles 6-7 (the two rows' taps). `blocks` 1 leaves tiles 2, 3 and 5 idle.
__attribute__((target("amx-tile,amx-bf16,avx512f")))
static void blocks_pooled(const uint32_t *pair_rows, int row_words, int row_step, int height, int width,
                          cpd_amx_shape s, int k, const uint32_t *a0, const uint32_t *a1, int blocks, size_t a_tap,
                          int o0, int m, const float *bias, int relu, float *out, size_t out_row, size_t out_plane) {
    const int chunks = s.rows / k, pooled_width = width / 2;
    const size_t a_chunk = (size_t)m * k, stride = (size_t)row_words * 4, next_row = (size_t)row_step * row_words;
    float upper[16 * 16], lower[16 * 16];
    for (int j = 0; j < height / 2; j++) {
        const uint32_t *rows = pair_rows + (size_t)(2 * j) * next_row;
        for (int x = 0; x < 2 * pooled_width; x += 16) {
            _tile_zero(0); _tile_zero(1);
            if (blocks == 2) { _tile_zero(2); _tile_zero(3); }
            for (int t = 0; t < s.taps; t++)
                for (int c = 0; c < chunks; c++) {
                    const uint32_t *b = rows + (size_t)c * k * row_words + x + t;
                    _tile_loadd(4, a0 + t * a_tap + c * a_chunk, 4 * k);
                    _tile_loadd(6, b, stride);
                    _tile_loadd(7, b + next_row, stride);
                    _tile_dpbf16ps(0, 4, 6);
                    _tile_dpbf16ps(1, 4, 7);
                    if (blocks == 2) {
                        _tile_loadd(5, a1 + t * a_tap + c * a_chunk, 4 * k);
                        _tile_dpbf16ps(2, 5, 6);
                        _tile_dpbf16ps(3, 5, 7);
                    }
                }
            _tile_stored(0, upper, 64);
            _tile_stored(1, lower, 64);
            store_pooled(upper, lower, m, o0, s.outputs, bias, relu, j, x, pooled_width, out, out_row, out_plane);
            if (blocks == 2) {
                _tile_stored(2, upper, 64);
                _tile_stored(3, lower, 64);
                store_pooled(upper, lower, m, o0 + m, s.outputs, bias, relu, j, x, pooled_width, out, out_row,
                             out_plane);
            }
        }
    }
}

__attribute__((target("amx-tile,amx-bf16,avx512f")))
void cpd_amx_conv_pool2(const uint32_t *pair_rows, int row_words, int row_step, int height, int width, cpd_amx_shape s,
                        const uint32_t *packed, const float *bias, int relu, float *out, size_t out_row,
                        size_t out_plane) {
    const int k = cpd_amx_chunk_rows(s.rows), m = block_outputs(s.outputs), blocks = (s.outputs + m - 1) / m;
    const size_t a_tap = (size_t)(s.rows / k) * m * k, a_block = a_tap * s.taps;
    tile_config cfg;
    configure(&cfg, 4, 2, 2, m, k);
    _tile_loadconfig(&cfg);
    for (int b = 0; b < blocks; b += 2) {
        const int two = b + 2 <= blocks ? 2 : 1;
        blocks_pooled(pair_rows, row_words, row_step, height, width, s, k, packed + b * a_block,
                      packed + (b + two - 1) * a_block, two, a_tap, b * m, m, bias, relu, out, out_row, out_plane);
    }
    _tile_release();
}

__attribute__((target("amx-tile,amx-bf16,avx512f")))
void cpd_amx_conv(const uint32_t *pair_rows, int row_words, int row_step, int height, int width, cpd_amx_shape s,
                  const uint32_t *packed, const float *bias, int relu, float *out, size_t out_row, size_t out_plane) {
    const int k = cpd_amx_chunk_rows(s.rows), m = block_outputs(s.outputs), blocks = (s.outputs + m - 1) / m;
    const size_t a_tap = (size_t)(s.rows / k) * m * k, a_block = a_tap * s.taps;
    tile_config pairs_of_blocks, single_block;
    configure(&pairs_of_blocks, 4, 2, 2, m, k);
    configure(&single_block, 3, 1, 3, m, k);
    int b = 0;
    if (blocks >= 2) {
        _tile_loadconfig(&pairs_of_blocks);
        for (; b + 2 <= blocks; b += 2)
            blocks_2x2(pair_rows, row_words, row_step, height, width, s, k, packed + b * a_block,
                       packed + (b + 1) * a_block, a_tap, b * m, m, bias, relu, out, out_row, out_plane);
    }
    if (b < blocks) {
        _tile_loadconfig(&single_block);
        blocks_1x3(pair_rows, row_words, row_step, height, width, s, k, packed + b * a_block, a_tap, b * m, m, bias,
                   relu, out, out_row, out_plane);
    }
    _tile_release();  // back to the initial state: a context switch need not save 8 KB of tiles
}
#else
int cpd_amx_usable(void) { return 0; }

void cpd_amx_conv_pool2(const uint32_t *pair_rows, int row_words, int row_step, int height, int width, cpd_amx_shape s,
                        const uint32_t *packed, const float *bias, int relu, float *out, size_t out_row,
                        size_t out_plane) {
    (void)pair_rows, (void)row_words, (void)row_step, (void)height, (void)width, (void)s, (void)packed, (void)bias,
        (void)relu, (void)out, (void)out_row, (void)out_plane;
}

void cpd_amx_conv(const uint32_t *pair_rows, int row_words, int row_step, int height, int width, cpd_amx_shape s,
                  const uint32_t *packed, const float *bias, int relu, float *out, size_t out_row, size_t out_plane) {
    (void)pair_rows, (void)row_words, (void)row_step, (void)height, (void)width, (void)s, (void)packed, (void)bias,
        (void)relu, (void)out, (void)out_row, (void)out_plane;
}
#endif
