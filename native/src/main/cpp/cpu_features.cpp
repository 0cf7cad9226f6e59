#include "cpu_features.h"

#include "kernels.h"

namespace obscura {
namespace {

CpuFeatures detect() {
    // libgcc's __builtin_cpu_supports also checks XCR0, so a feature the OS does not enable reads as absent.
    __builtin_cpu_init();
    CpuFeatures f{};
    f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
    f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    f.aes = __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
    f.vaes = f.aes && f.avx2 && __builtin_cpu_supports("vaes");
    return f;
}

}  // namespace

const CpuFeatures& cpu_features() {
    static const CpuFeatures features = detect();
    return features;
}

int cpu_max_level() {
    const CpuFeatures& f = cpu_features();
    return f.avx512 ? kAvx512 : f.avx2 ? kAvx2 : kScalar;
}

}  // namespace obscura
