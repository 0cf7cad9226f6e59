// The ring kernels, written once and compiled once per instruction-set level.
//
// The including file defines OBSCURA_ISA (the namespace: scalar, avx2, avx512), OBSCURA_ISA_NAME (its name as a
// string), OBSCURA_LEVEL (0, 1, 2) and OBSCURA_TABLE (the table it exports) and is compiled with matching -m flags.
// Plain loops are left to the compiler's vectorizer, which emits vpmullq for the 64-bit products under AVX-512DQ
// and a 32-bit multiply sequence under AVX2; the matmul micro-kernel and the bit packing are written with
// intrinsics.
//
// The kernels live in one header per family, included here in dependency order: support (sizes, the thread pool,
// scratch memory), elementwise, bits, fixed point, reductions, the GEMM driver, matmul, windows (pooling and the
// convolutions, which use a GEMM). A new family is a new header and new entries in KernelTable (kernels.h) and the
// table below.
//
// Everything here has internal linkage (anonymous namespace) apart from the one exported table: an inline function
// or template shared with another translation unit could be merged by the linker with its AVX-512 twin and then run
// on a CPU without AVX-512. For the same reason these headers instantiate no standard-library templates and call
// the thread pool only through its function-pointer interface.
#if !defined(OBSCURA_ISA) || !defined(OBSCURA_ISA_NAME) || !defined(OBSCURA_LEVEL) || !defined(OBSCURA_TABLE)
#error "define OBSCURA_ISA, OBSCURA_ISA_NAME, OBSCURA_LEVEL and OBSCURA_TABLE before including kernels_impl.h"
#endif

#include <immintrin.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels.h"
#include "thread_pool.h"

#include "kernels_support.h"
#include "kernels_elementwise.h"
#include "kernels_bits.h"
#include "kernels_fixed_point.h"
#include "kernels_reduce.h"
#include "kernels_gemm.h"
#include "kernels_matmul.h"
#include "kernels_windows.h"

namespace obscura {

// The one symbol this translation unit exports (declared extern in kernels.h).
const KernelTable OBSCURA_TABLE = {
    OBSCURA_ISA_NAME,
    OBSCURA_ISA::binary,
    OBSCURA_ISA::binary_broadcast,
    OBSCURA_ISA::unary,
    OBSCURA_ISA::mul_add,
    OBSCURA_ISA::truncate_masked,
    OBSCURA_ISA::pack_bits,
    OBSCURA_ISA::unpack_bits,
    OBSCURA_ISA::to_bit_planes,
    OBSCURA_ISA::from_bit_planes,
    OBSCURA_ISA::encode_f64,
    OBSCURA_ISA::encode_f32,
    OBSCURA_ISA::decode_f64,
    OBSCURA_ISA::decode_f32,
    OBSCURA_ISA::sum_axis,
    OBSCURA_ISA::word_gemm,
    OBSCURA_ISA::matmul,
    OBSCURA_ISA::conv2d,
    OBSCURA_ISA::conv2d_backward_input,
    OBSCURA_ISA::conv2d_backward_weight,
    OBSCURA_ISA::window_gather,
    OBSCURA_ISA::window_scatter_add,
};

}  // namespace obscura
