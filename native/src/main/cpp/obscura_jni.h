// The functions behind the native methods of dev.obscura.cpu.CpuKernels. JavaCPP generates the JNI glue that
// includes this header and calls these functions; one function per native method, with the same name.
//
// `config` packs what a backend instance fixes once: bits 0-3 the instruction-set level (kernels.h Level), bit 4
// forces the portable software AES (tests only), bits 5-7 the GEMM path of the matrix products and convolutions
// (kernels.h GemmPath), bits 8 and up the most threads one call may use. The Java side has
// validated every shape and every pointer; nothing here checks them again.
#pragma once

#include <cstdint>

namespace obscura {
namespace jni {

int maxLevel();
int features();  // bit 0 AES-NI, bit 1 VAES, bit 2 AVX-512 VNNI (with the AVX-512 level)
int amxState();  // cpu_features.h AmxState
int cpuSignature();  // vendor (cpu_features.h CpuVendor) << 20 | display family << 8 | display model
int initPool(int threads);
int poolSize();
int aesImpl(int config);

void binary(int config, int op, const uint64_t* a, const uint64_t* b, uint64_t* out, int64_t n);
// geometry holds shape[rank], then a's strides[rank], then b's strides[rank], in elements.
void binaryBroadcast(int config, int op, const uint64_t* a, const uint64_t* b, uint64_t* out, int rank,
                     const int64_t* geometry);
void unary(int config, int op, const uint64_t* a, uint64_t scalar, uint64_t* out, int64_t n);

void mulAdd(int config, const uint64_t* a, const uint64_t* b, const uint64_t* c, uint64_t* out, int64_t n);
void truncateMasked(int config, const uint64_t* opened, const uint64_t* rHigh, const uint64_t* rMsb, int bits,
                    bool first, uint64_t* out, int64_t n);

void packBits(int config, const uint64_t* a, uint64_t* out, int64_t n);
void unpackBits(int config, const uint64_t* packed, uint64_t* out, int64_t n);
void toBitPlanes(int config, const uint64_t* a, uint64_t* out, int64_t n);
void fromBitPlanes(int config, const uint64_t* planes, uint64_t* out, int64_t n);

// Return the index (relative to srcOffset) of the first value that cannot be encoded, or -1.
int64_t encodeDouble(int config, const double* src, int srcOffset, int fracBits, uint64_t* out, int64_t n);
int64_t encodeFloat(int config, const float* src, int srcOffset, int fracBits, uint64_t* out, int64_t n);
void decodeDouble(int config, const uint64_t* a, int fracBits, double* dst, int dstOffset, int64_t n);
void decodeFloat(int config, const uint64_t* a, int fracBits, float* dst, int dstOffset, int64_t n);

void sum(int config, const uint64_t* a, uint64_t* out, int64_t outer, int64_t len, int64_t inner);

void matmul(int config, const uint64_t* a, const uint64_t* b, uint64_t* out, int64_t batch, int64_t m, int64_t n,
            int64_t k, bool transposeA, bool transposeB, bool shareB);

// `geometry` holds a ConvGeometry (kernels.h) as 13 ints: n, c, h, w, o, kh, kw, sh, sw, ph, pw, oh, ow.
void conv2d(int config, const uint64_t* input, const uint64_t* weight, uint64_t* out, const int32_t* geometry);
void conv2dBackwardInput(int config, const uint64_t* gradOut, const uint64_t* weight, uint64_t* gradInput,
                         const int32_t* geometry);
void conv2dBackwardWeight(int config, const uint64_t* input, const uint64_t* gradOut, uint64_t* gradWeight,
                          const int32_t* geometry);
void windowGather(int config, const uint64_t* input, uint64_t* out, const int32_t* geometry, int64_t positionStride,
                  int64_t windowStride);
void windowScatterAdd(int config, const uint64_t* windows, uint64_t* out, const int32_t* geometry,
                      int64_t positionStride, int64_t windowStride);

void aesCtrFill(int config, const uint8_t* key, uint64_t nonce, uint64_t firstBlock, uint64_t* out, int64_t n);

// OpenBLAS's cblas_sgemm, found at run time (the Java side passes its address), in row-major order:
// C = op(A) op(B) + beta C on slices starting at the given offsets.
void sgemm(const void* sgemm, bool transA, bool transB, int m, int n, int k, const float* a, int aOff, int lda,
           const float* b, int bOff, int ldb, float* c, int cOff, int ldc, float beta);

}  // namespace jni
}  // namespace obscura
