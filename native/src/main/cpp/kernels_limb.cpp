// The ring GEMM through 8-bit limbs (kernels_limb.h), for CPUs with AVX-512 VNNI and, where the compiler can build it,
// AMX-INT8. CMake compiles this file with the AVX-512 flags plus -mavx512vnni (and -mamx-tile -mamx-int8, defining
// OBSCURA_LIMB_AMX=1, when the compiler accepts them). jni_entry.cpp calls kLimbVnniGemm only after cpu_features()
// reported AVX-512 VNNI, and kLimbAmxGemm only after it reported AMX-INT8 with the tile state granted by the OS.
//
// Like the kernel tables, everything here has internal linkage apart from the two exported GemmFn constants.
#define OBSCURA_ISA limb
#define OBSCURA_ISA_NAME "limb"
#define OBSCURA_LEVEL 2

#ifndef OBSCURA_LIMB_AMX
#define OBSCURA_LIMB_AMX 0
#endif

#include <immintrin.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels.h"
#include "thread_pool.h"

#include "kernels_support.h"
#include "kernels_gemm.h"
#include "kernels_limb.h"

namespace obscura {
namespace {

void limb_vnni_gemm(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa,
                    const int64_t csa, const u64* b, const int64_t rsb, const int64_t csb, u64* c, const int64_t ldc,
                    const bool accumulate, const int threads) {
    limb::gemm_parallel<limb::LimbVnniKernel>(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, threads);
}

#if OBSCURA_LIMB_AMX
void limb_amx_gemm(const int64_t m, const int64_t n, const int64_t k, const u64* a, const int64_t rsa,
                   const int64_t csa, const u64* b, const int64_t rsb, const int64_t csb, u64* c, const int64_t ldc,
                   const bool accumulate, const int threads) {
    limb::gemm_parallel<limb::LimbAmxKernel>(m, n, k, a, rsa, csa, b, rsb, csb, c, ldc, accumulate, threads);
}
#endif

}  // namespace

const GemmFn kLimbVnniGemm = limb_vnni_gemm;
#if OBSCURA_LIMB_AMX
const GemmFn kLimbAmxGemm = limb_amx_gemm;
#else
const GemmFn kLimbAmxGemm = nullptr;
#endif

}  // namespace obscura
