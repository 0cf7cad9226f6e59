// What the CPU (and the OS, which must save the wider registers) supports, asked once at run time.
#pragma once

namespace obscura {

struct CpuFeatures {
    bool avx2;     // AVX2 + BMI2: the kAvx2 kernels
    bool avx512;   // AVX-512 F, DQ (vpmullq), BW, VL: the kAvx512 kernels
    bool aes;      // AES-NI (with SSE4.1 for the counter shuffles)
    bool vaes;     // VAES: AES rounds on 4 blocks per zmm or 2 per ymm
};

const CpuFeatures& cpu_features();

// The highest Level (kernels.h) this CPU can run.
int cpu_max_level();

}  // namespace obscura
