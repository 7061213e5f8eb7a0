#ifndef PLATE_KERNELS_H
#define PLATE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The convolution's matrix product, the plate reader's hot loop:
/// out[o][p] = bias[o] + sum_r W[o][r] * col[r][p], then ReLU when `relu`.
/// `packed` holds the weights as [outputs/4][k][4] (four outputs' weights
/// side by side), `col` is the im2col matrix [k][pixels].
/// Runs an AVX2+FMA kernel when the CPU has them (chosen once, at first
/// call) and a portable one otherwise, with the same results up to rounding.
void cpd_conv_gemm(const float *col, const float *packed, const float *bias, int relu,
                   int outputs, int k, int pixels, float *out);

/// The portable kernel, whatever the CPU (exposed so tests cover it on AVX2 machines too).
void cpd_conv_gemm_portable(const float *col, const float *packed, const float *bias, int relu,
                            int outputs, int k, int pixels, float *out);

/// A 3x3 "same" convolution computed directly (no im2col matrix): `padded` is
/// the input, `channels` planes of (height+2) x (width+2) with a one-pixel zero
/// border; `packed` is as for `cpd_conv_gemm` with r = (c*3 + dy)*3 + dx; the
/// result is `outputs` planes of height x width.
void cpd_conv3x3(const float *padded, int channels, int height, int width, const float *packed, const float *bias,
                 int relu, int outputs, float *out);

/// `cpd_conv3x3` writing output row y of plane o at out + o*out_plane + y*out_row: straight into the
/// bordered layout the next 3x3 convolution reads (saves copying every layer's output).
void cpd_conv3x3_strided(const float *padded, int channels, int height, int width, const float *packed,
                         const float *bias, int relu, int outputs, float *out, int out_row, int out_plane);

/// The portable direct 3x3 convolution (exposed for tests).
void cpd_conv3x3_portable(const float *padded, int channels, int height, int width, const float *packed,
                          const float *bias, int relu, int outputs, float *out);

/// Max pooling of `channels` planes of height x width with a kh x kw window and strides sh, sw
/// (no padding): out is channels x ((height-kh)/sh+1) x ((width-kw)/sw+1).
void cpd_max_pool(const float *in, int channels, int height, int width, int kh, int kw, int sh, int sw, float *out);

/// Area-averaged shrink of a `width` x `height` region of 8-bit pixels (rows `stride` bytes apart) to
/// `out_width` x `out_height`, normalised as (p/255 - mean)/std, into `out` (rows `out_stride` floats apart).
/// Output pixel (x, y) averages source columns x0[x]..<x1[x] (`weights[x]` = 1 / their count) and rows
/// y0[y]..<y1[y]. `sums` is scratch of at least `width` + 1 int32. Each output row adds its source rows column by
/// column (vectorised), then each output pixel adds its columns of that (unrolled for whole-number factors up to 4,
/// else as the difference of two of the row's prefix sums).
void cpd_area_shrink(const unsigned char *src, int stride, int width, const int *x0, const int *x1,
                     const float *weights, const int *y0, const int *y1, int out_width, int out_height, float mean, float std,
                     int *sums, float *out, int out_stride);

/// Bilinear samples of a plate's quadrilateral (`quad`: top-left, top-right, bottom-right, bottom-left, x then y)
/// of a `w` x `h` 8-bit plane (rows `w` bytes apart) into `width` x `height` floats, normalised as (p/255 - mean)/std:
/// the recogniser's input, straight from the full-resolution frame. Sample (column, row) sits at fractions
/// ((column + 0.5)/width, (row + 0.5)/height) along the top and the sides; points off the plane take its edge.
void cpd_sample_quad(const unsigned char *src, int w, int h, const double *quad, int width, int height, float mean,
                     float std, float *out);  // AVX-512 where the CPU has it

/// The scalar sampler, whatever the CPU (exposed so tests compare the two).
void cpd_sample_quad_portable(const unsigned char *src, int w, int h, const double *quad, int width, int height,
                              float mean, float std, float *out);

/// The forward pass of the best CTC alignment that spells one character per position of a plate format, each
/// character one of its position's classes (FormatDecoder's Viterbi; the back-tracking stays in Swift).
/// `logs`: `columns` x `classes` log-probabilities, class 0 the blank. Character states are (position, class) pairs
/// numbered position after position: position i owns states offset[i]..<offset[i + 1] (`offset` has length + 1
/// entries), state s reads class state_class[s] and adds state_weight[s] to it. Scratch: `scores` 2 * (length + 1 +
/// states) doubles, `tops` 2 * length. Written: `blank_back[t * (length + 1) + i]` (-1 stayed, else the character
/// state it came from) and `character_back[t * states + s]` (-1 stayed, -2 from the blank before it, else the
/// character state it came from) for t >= 1, and `end_state` (-1: the path ends in the trailing blank). Returns the
/// best path's score, -infinity when the columns cannot spell the format. AVX-512 where the CPU has it.
double cpd_ctc_viterbi(const float *logs, int columns, int classes, const int32_t *offset, int length,
                       const int32_t *state_class, const float *state_weight, double *scores, int32_t *tops,
                       int32_t *blank_back, int32_t *character_back, int32_t *end_state);

/// The scalar pass, whatever the CPU (exposed so tests compare the two).
double cpd_ctc_viterbi_portable(const float *logs, int columns, int classes, const int32_t *offset, int length,
                                const int32_t *state_class, const float *state_weight, double *scores, int32_t *tops,
                                int32_t *blank_back, int32_t *character_back, int32_t *end_state);

/// `cpd_max_pool` writing output row y of plane c at out + c*out_plane + y*out_row (see `cpd_conv3x3_strided`).
void cpd_max_pool_strided(const float *in, int channels, int height, int width, int kh, int kw, int sh, int sw,
                          float *out, int out_row, int out_plane);

/// Which kernel `cpd_conv_gemm` uses: "avx2+fma" or "portable".
const char *cpd_conv_kernel_name(void);

/// Winograd F(2x2, 3x3) for the same 3x3 "same" convolutions as `cpd_conv3x3_strided` (same `padded` input and
/// output layout): 2.25x fewer multiply-adds, for the layers with enough input channels that the transforms
/// cost less than they save (`cpd_conv3x3_prefers_winograd`). Results equal the direct kernel's up to rounding.
/// `transformed` comes from `cpd_winograd_weights` (once per model); `scratch` holds at least
/// `cpd_winograd_scratch_floats(channels, width)` floats (reused between calls). AVX2+FMA where the CPU has them.
void cpd_conv3x3_winograd(const float *padded, int channels, int height, int width, const float *transformed,
                          const float *bias, int relu, int outputs, float *out, int out_row, int out_plane, float *scratch);

/// The portable Winograd kernel, whatever the CPU (exposed for tests).
void cpd_conv3x3_winograd_portable(const float *padded, int channels, int height, int width, const float *transformed,
                                   const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                                   float *scratch);

/// 3x3 weights `[outputs][channels][3][3]` transformed for `cpd_conv3x3_winograd` into
/// `cpd_winograd_weight_floats(channels, outputs)` floats.
void cpd_winograd_weights(const float *weights, int channels, int outputs, float *transformed);
size_t cpd_winograd_weight_floats(int channels, int outputs);
size_t cpd_winograd_scratch_floats(int channels, int width);

/// Whether a 3x3 layer with this many input channels runs faster through `cpd_conv3x3_winograd` on this CPU.
int cpd_conv3x3_prefers_winograd(int channels);

/// `cpd_conv3x3_strided` followed by 2x2 stride-2 max pooling, in one pass: out holds `outputs` planes of
/// (height/2) x (width/2) (rows `out_row` apart, planes `out_plane`), and the full-size convolution output is never
/// written (for the first layers, whose outputs are megabytes, that memory traffic was most of the pooling's time).
void cpd_conv3x3_pool2_strided(const float *padded, int channels, int height, int width, const float *packed,
                               const float *bias, int relu, int outputs, float *out, int out_row, int out_plane);

/// The portable fused kernel, whatever the CPU (exposed for tests).
void cpd_conv3x3_pool2_portable(const float *padded, int channels, int height, int width, const float *packed,
                                const float *bias, int relu, int outputs, float *out, int out_row, int out_plane);

/// Whether a direct 3x3 convolution with this many input channels, followed by a 2x2 pool, runs faster fused on this
/// CPU. With AVX-512 only a one-channel layer does: its full-size output (8 or 16 planes from one) is most of its
/// memory traffic, while wider layers run faster on the AVX-512 kernel than on the fused AVX2 one.
int cpd_conv3x3_prefers_fused_pool(int channels);

/// 3x3 "same" convolutions as `cpd_conv3x3_strided` (same `padded` input and output layout) with bfloat16
/// products summed in float32: where the CPU has AVX-512 BF16, one instruction does two input channels'
/// multiply-adds, so a layer runs on about half the instructions. Inputs and weights keep 8 significant bits
/// (relative error up to 2^-9 each); results match the float32 kernels to about 1e-2 of their scale.
/// `packed` comes from `cpd_bf16_weights` (once per model); `scratch` holds at least
/// `cpd_bf16_scratch_words(channels, height, width)` words (the input converted; reused between calls).
/// Where the CPU has AMX (and Linux grants it), tile products do the same multiply-adds 16 x 16 outputs at a time.
/// Without AVX-512 BF16 it computes the same products element by element (slowly: see `cpd_conv3x3_prefers_bf16`).
void cpd_conv3x3_bf16(const float *padded, int channels, int height, int width, const uint32_t *packed,
                      const float *bias, int relu, int outputs, float *out, int out_row, int out_plane, uint32_t *scratch);

/// The element-by-element bfloat16 kernel, whatever the CPU (exposed for tests).
void cpd_conv3x3_bf16_portable(const float *padded, int channels, int height, int width, const uint32_t *packed,
                               const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                               uint32_t *scratch);

/// `cpd_conv3x3_bf16` followed by 2x2 stride-2 max pooling, as `cpd_conv3x3_pool2_strided` (output planes of
/// (height/2) x (width/2)). Fused where the layers run on AMX (`cpd_conv3x3_bf16_fuses_pool`): a tile pair holds two
/// output rows, pooled as they are stored, so the full-size output never goes to memory. Elsewhere it runs the two
/// steps (allocating the full-size output), for tests.
void cpd_conv3x3_bf16_pool2(const float *padded, int channels, int height, int width, const uint32_t *packed,
                            const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                            uint32_t *scratch);

/// Whether `cpd_conv3x3_bf16_pool2` is fused on this CPU (so a network should call it rather than pool after).
int cpd_conv3x3_bf16_fuses_pool(void);

/// The AVX-512 BF16 kernel even where AMX would run (portable without AVX-512 BF16): exposed so tests cover it on
/// CPUs whose layers run on AMX.
void cpd_conv3x3_bf16_avx512(const float *padded, int channels, int height, int width, const uint32_t *packed,
                             const float *bias, int relu, int outputs, float *out, int out_row, int out_plane,
                             uint32_t *scratch);

/// 3x3 weights `[outputs][channels][3][3]` rounded to bfloat16 and paired by input channel for
/// `cpd_conv3x3_bf16`, into `cpd_bf16_weight_words(channels, outputs)` words.
void cpd_bf16_weights(const float *weights, int channels, int outputs, uint32_t *packed);
size_t cpd_bf16_weight_words(int channels, int outputs);
size_t cpd_bf16_scratch_words(int channels, int height, int width);

/// Whether this CPU runs a 3x3 layer with this many input channels on bfloat16 products (AVX-512 BF16, enough
/// channels to pair, and faster than float32 here: timed once per process, see `cpd_bf16_timing_ratio`).
int cpd_conv3x3_prefers_bf16(int channels);

/// The matrix product of `cpd_conv_gemm` (same `col`, `out`) on bfloat16 products summed in float32, for the
/// convolutions that are not 3x3 (the recogniser's 4x4 and 1x1 layers, the detector's 1x1). `packed` comes from
/// `cpd_bf16_gemm_weights`; `scratch` holds at least `cpd_bf16_gemm_scratch_words(k, pixels)` words. As
/// `cpd_conv3x3_bf16`, it is element by element without AVX-512 BF16 (see `cpd_conv_gemm_prefers_bf16`).
void cpd_conv_gemm_bf16(const float *col, int k, int pixels, const uint32_t *packed, const float *bias, int relu,
                        int outputs, float *out, uint32_t *scratch);

/// The element-by-element bfloat16 matrix product, whatever the CPU (exposed for tests).
void cpd_conv_gemm_bf16_portable(const float *col, int k, int pixels, const uint32_t *packed, const float *bias,
                                 int relu, int outputs, float *out, uint32_t *scratch);

/// The AVX-512 BF16 matrix product even where AMX would run (as `cpd_conv3x3_bf16_avx512`).
void cpd_conv_gemm_bf16_avx512(const float *col, int k, int pixels, const uint32_t *packed, const float *bias,
                               int relu, int outputs, float *out, uint32_t *scratch);

/// Weights `[outputs][k]` rounded to bfloat16 and paired along k for `cpd_conv_gemm_bf16`, into
/// `cpd_bf16_gemm_weight_words(k, outputs)` words.
void cpd_bf16_gemm_weights(const float *weights, int k, int outputs, uint32_t *packed);
size_t cpd_bf16_gemm_weight_words(int k, int outputs);
size_t cpd_bf16_gemm_scratch_words(int k, int pixels);

/// Whether this CPU runs a matrix product with this k on bfloat16 products (as `cpd_conv3x3_prefers_bf16`).
int cpd_conv_gemm_prefers_bf16(int k);

/// Time of a middle-sized 3x3 layer on bfloat16 products (AMX tiles where they run) over its time on float32 ones,
/// fastest of six runs each (about 3 ms). Below 0.85 the bfloat16 kernels are used. Without AVX-512 BF16 the
/// bfloat16 kernel is the slow element-by-element one, so the ratio is large.
double cpd_bf16_timing_ratio(void);

#endif
