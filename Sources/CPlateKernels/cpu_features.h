#ifndef CPD_CPU_FEATURES_H
#define CPD_CPU_FEATURES_H

// What the CPU can run, found once (benign race: every thread computes the same answer). Internal to the kernels.
int cpd_cpu_has_avx2(void);    // AVX2 and FMA
int cpd_cpu_has_avx512(void);  // AVX-512F
int cpd_cpu_has_avx512vl(void);  // AVX-512F and VL (512-bit instructions on 256-bit vectors and masks)
int cpd_cpu_has_avx512_bf16(void);  // AVX-512F, BW and BF16

#endif
