// What the CPU (and the OS, which must save the wider registers) supports, asked once at run time.
#pragma once

namespace obscura {

// Whether the AMX limb GEMM can run, and if not why; the values match NativeLibrary.java.
enum AmxState : int {
    kAmxUsable = 0,
    kAmxAbsent = 1,             // no AMX-TILE and AMX-INT8 in CPUID (or no AVX-512 beside them)
    kAmxNoOsSupport = 2,        // the OS does not enable the tile state in XCR0
    kAmxPermissionDenied = 3,   // arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) failed
    kAmxNotCompiled = 4,        // the compiler that built the library could not build the AMX kernel
};

// CPU vendors, as CPUID leaf 0 names them; the values match NativeLibrary.java.
enum CpuVendor : int { kVendorOther = 0, kVendorIntel = 1, kVendorAmd = 2 };

struct CpuFeatures {
    bool avx2;         // AVX2 + BMI2: the kAvx2 kernels
    bool avx512;       // AVX-512 F, DQ (vpmullq), BW, VL: the kAvx512 kernels
    bool avx512_vnni;  // avx512 and AVX-512 VNNI (vpdpbusd): the VNNI limb GEMM
    int amx;           // AmxState
    bool aes;          // AES-NI (with SSE4.1 for the counter shuffles)
    bool vaes;         // VAES: AES rounds on 4 blocks per zmm or 2 per ymm
    int vendor;        // CpuVendor
    int family;        // display family and model (Intel SDM vol. 2, CPUID leaf 1)
    int model;
};

// Detects once; on a CPU with AMX this also asks Linux for the tile state, for the whole process.
const CpuFeatures& cpu_features();

// The highest Level (kernels.h) this CPU can run.
int cpu_max_level();

}  // namespace obscura
