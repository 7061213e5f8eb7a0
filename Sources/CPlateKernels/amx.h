#ifndef CPD_AMX_H
#define CPD_AMX_H

// Convolutions on Intel AMX tiles (bfloat16 products summed in float32), internal to the kernels: bf16.c runs its
// layers here where the CPU has AMX and the kernel lets the process use it.
//
// A tile product C[m][n] += sum_k A[m][k] . B[k][n] takes A = weights (m: an output, k: a channel pair at one
// tap), B = input rows (k: a channel pair at one tap, n: one of 16 pixels along a row) and sums into C =
// 16 pixels of up to 16 outputs. B's rows must lie a fixed stride apart, so the input is laid out as rows of
// channel-pair words ("pair rows"): row r of output row y's taps is pair p of input row y + dy, r = dy*pairs + p,
// so the three rows of taps above, on and below y are 3*pairs consecutive pair rows.

#include <stddef.h>
#include <stdint.h>

/// Whether AMX runs here: the CPU has AMX-BF16 (and AVX-512 BW and BF16 for the conversions) and the kernel granted
/// this process the tile state (asked once).
int cpd_amx_usable(void);

/// A layer's shape for the tile kernel: `rows` pair rows per output row (3*pairs for a 3x3 layer, pairs for a
/// matrix product), read at `taps` horizontal offsets (3 or 1), `outputs` outputs.
typedef struct { int rows, taps, outputs; } cpd_amx_shape;

/// Pair rows per tile product: the largest divisor of a layer's rows up to 16 (a tile holds 16 rows of B), so every
/// product has the same shape and one tile configuration serves the layer. Few (a prime number of pairs past 16)
/// means many products for little work each: such a layer runs faster on AVX-512.
int cpd_amx_chunk_rows(int rows);

/// Words of the tile kernel's weights for this shape.
size_t cpd_amx_weight_words(cpd_amx_shape shape);

/// Weights `[outputs][channels][vertical taps][shape.taps]` (vertical taps = rows / pairs) rounded to bfloat16 and
/// laid out as the kernel's A tiles.
void cpd_amx_weights(const float *weights, int channels, cpd_amx_shape shape, uint32_t *packed);

/// Words past the last pair row that a layer's reads may touch (the last 16-pixel blocks and their taps run over
/// the end of a row; those pixels' sums are dropped): the caller's buffer has this many zeroed words after its rows.
enum { CPD_AMX_TAIL_WORDS = 64 };

/// The convolution: output row y (0..height-1) reads pair rows y*row_step .. + shape.rows - 1 of `pair_rows`
/// (`row_words` words apart), pixels x + tap for x in 0..width-1; writes output o's row y at
/// out + o*out_plane + y*out_row, plus bias, with ReLU when `relu`.
void cpd_amx_conv(const uint32_t *pair_rows, int row_words, int row_step, int height, int width, cpd_amx_shape shape,
                  const uint32_t *packed, const float *bias, int relu, float *out, size_t out_row, size_t out_plane);

/// `cpd_amx_conv` followed by 2x2 stride-2 max pooling: writes pooled row j (0..height/2-1) of output o at
/// out + o*out_plane + j*out_row, width/2 pixels; the full-size output never goes to memory.
void cpd_amx_conv_pool2(const uint32_t *pair_rows, int row_words, int row_step, int height, int width, cpd_amx_shape s,
                        const uint32_t *packed, const float *bias, int relu, float *out, size_t out_row,
                        size_t out_plane);

#endif
