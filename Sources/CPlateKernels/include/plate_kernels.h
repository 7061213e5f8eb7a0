#ifndef PLATE_KERNELS_H
#define PLATE_KERNELS_H

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

/// Which kernel `cpd_conv_gemm` uses: "avx2+fma" or "portable".
const char *cpd_conv_kernel_name(void);

#endif
