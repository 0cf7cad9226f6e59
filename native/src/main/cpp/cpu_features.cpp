#include "cpu_features.h"

#include <cpuid.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include "kernels.h"

namespace obscura {
namespace {

// arch_prctl codes for dynamically enabled XSAVE features (Linux 5.16+, Documentation/arch/x86/xstate.rst); older
// headers lack them.
constexpr int kArchGetXcompPerm = 0x1022;
constexpr int kArchReqXcompPerm = 0x1023;
constexpr int kXfeatureXtiledata = 18;

uint64_t xcr0() {
    uint32_t eax = 0;
    uint32_t edx = 0;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (uint64_t{edx} << 32) | eax;
}

int detect_amx(const bool avx512) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    // CPUID.(EAX=7, ECX=0):EDX bit 24 AMX-TILE, bit 25 AMX-INT8. The kernel also packs and combines with AVX-512.
    if (!avx512 || !__get_cpuid_count(7, 0, &a, &b, &c, &d) || (d & (1u << 24)) == 0 || (d & (1u << 25)) == 0) {
        return kAmxAbsent;
    }
    // CPUID.1:ECX bit 27 OSXSAVE, then XCR0 bits 17 (XTILECFG) and 18 (XTILEDATA).
    constexpr uint64_t kTileState = uint64_t{3} << 17;
    if (!__get_cpuid(1, &a, &b, &c, &d) || (c & (1u << 27)) == 0 || (xcr0() & kTileState) != kTileState) {
        return kAmxNoOsSupport;
    }
    if (kLimbAmxGemm == nullptr) {
        return kAmxNotCompiled;
    }
    // Linux enables the 8 KiB tile data state per process, on request; without it the first tile instruction
    // raises SIGILL. The permission holds for every thread of the process, present and future.
    if (syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) != 0) {
        return kAmxPermissionDenied;
    }
    unsigned long permitted = 0;
    if (syscall(SYS_arch_prctl, kArchGetXcompPerm, &permitted) != 0 || (permitted & (1ul << kXfeatureXtiledata)) == 0) {
        return kAmxPermissionDenied;
    }
    return kAmxUsable;
}

void detect_identity(CpuFeatures& f) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    f.vendor = kVendorOther;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        char name[13];
        std::memcpy(name, &b, 4);
        std::memcpy(name + 4, &d, 4);
        std::memcpy(name + 8, &c, 4);
        name[12] = '\0';
        f.vendor = std::strcmp(name, "GenuineIntel") == 0 ? kVendorIntel
            : std::strcmp(name, "AuthenticAMD") == 0 ? kVendorAmd : kVendorOther;
    }
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        const int base_family = static_cast<int>((a >> 8) & 0xF);
        const int base_model = static_cast<int>((a >> 4) & 0xF);
        f.family = base_family == 0xF ? base_family + static_cast<int>((a >> 20) & 0xFF) : base_family;
        f.model = base_family == 0x6 || base_family == 0xF ? base_model | static_cast<int>(((a >> 16) & 0xF) << 4)
                                                           : base_model;
    }
}

CpuFeatures detect() {
    // libgcc's __builtin_cpu_supports also checks XCR0, so a feature the OS does not enable reads as absent.
    __builtin_cpu_init();
    CpuFeatures f{};
    f.avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
    f.avx512 = f.avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")
        && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    f.avx512_vnni = f.avx512 && __builtin_cpu_supports("avx512vnni");
    f.amx = detect_amx(f.avx512);
    f.aes = __builtin_cpu_supports("aes") && __builtin_cpu_supports("sse4.1");
    f.vaes = f.aes && f.avx2 && __builtin_cpu_supports("vaes");
    detect_identity(f);
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
