// The kernels for CPUs with AVX2 and BMI2 (Haswell, Zen and later); CMake compiles this file with -mavx2 -mbmi2.
// Only reached after cpu_features() reported both.
#define OBSCURA_ISA avx2
#define OBSCURA_ISA_NAME "avx2"
#define OBSCURA_LEVEL 1
#define OBSCURA_TABLE kAvx2Kernels
#include "kernels_impl.h"
