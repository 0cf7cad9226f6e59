// AES-128 in counter mode, the keystream behind every share and mask (Prg.java).
//
// Block i of a fill is AES_k(V + i) with V = (nonce << 64) + first_block, a 128-bit counter written big-endian as the
// JDK's AES/CTR/NoPadding does, carrying all the way through the top 64 bits. The 16 keystream bytes of a block are
// read as two little-endian uint64 values; an odd count discards the second half of the last block.
#pragma once

#include <cstdint>

namespace obscura {

enum AesImpl : int {
    kAesSoftware = 0,  // portable and constant-time (no secret-indexed tables), slow; for CPUs without AES-NI
    kAesNi = 1,        // AES-NI, 8 blocks in flight
    kAesVaes256 = 2,   // VAES on ymm, 2 blocks per instruction
    kAesVaes512 = 3,   // VAES on zmm, 4 blocks per instruction
};

const char* aes_impl_name(int impl);

void aes_ctr_fill(int impl, const uint8_t key[16], uint64_t nonce, uint64_t first_block, uint64_t* out, int64_t n,
                  int threads);

}  // namespace obscura
