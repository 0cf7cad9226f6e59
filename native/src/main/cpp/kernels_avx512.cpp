// The kernels for CPUs with AVX-512 F, DQ, BW and VL (Skylake-SP, Ice Lake, Zen 4 and later); CMake compiles this
// file with the matching -m flags. Only reached after cpu_features() reported all four.
#define OBSCURA_ISA avx512
#define OBSCURA_ISA_NAME "avx512"
#define OBSCURA_LEVEL 2
#define OBSCURA_TABLE kAvx512Kernels
#include "kernels_impl.h"
