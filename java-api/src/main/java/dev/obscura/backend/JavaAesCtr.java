package dev.obscura.backend;

import dev.obscura.ring.RingTensor;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Reference;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * {@link JavaBackend}'s {@link Backend#aesCtrFill}: the JDK's {@code AES/CTR/NoPadding} encrypting zeros, whose
 * output is the keystream itself, copied into the tensor chunk by chunk.
 */
final class JavaAesCtr {
    /** Keystream bytes produced per {@link Cipher#update} call: 4096 AES blocks, 8192 elements. */
    private static final int CHUNK_BYTES = 64 * 1024;
    private static final int BLOCK_BYTES = 16;
    /** Plaintext for the keystream; only ever read (CTR encryption of zeros is the keystream itself). */
    private static final byte[] ZEROS = new byte[CHUNK_BYTES];
    private static final boolean NATIVE_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
    private static final VarHandle LONG_LE =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private JavaAesCtr() {
    }

    /** Fills {@code out} with the keystream of {@code key} from counter block {@code (nonce << 64) + firstBlock}. */
    static void fill(final byte[] key, final long nonce, final long firstBlock, final RingTensor out) {
        KernelChecks.aesCtrFill(key, out);
        final byte[] iv = new byte[BLOCK_BYTES];
        putBigEndian(iv, 0, nonce);
        putBigEndian(iv, 8, firstBlock);
        final Cipher cipher;
        try {
            cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(iv));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding is not available in this JDK", e);
        }
        final int n = (int) out.numel();
        final int chunkLongs = CHUNK_BYTES / Long.BYTES;
        final byte[] stream = new byte[Math.min(CHUNK_BYTES, ((n + 1) >>> 1) * BLOCK_BYTES)];
        try {
            final UnsafeBuffer o = out.buffer();
            for (int done = 0; done < n; ) {
                final int count = Math.min(chunkLongs, n - done);
                // Whole blocks only; for an odd count (the last chunk) the second half of the last block is dropped.
                final int bytes = ((count + 1) >>> 1) * BLOCK_BYTES;
                if (cipher.update(ZEROS, 0, bytes, stream, 0) != bytes) {
                    throw new IllegalStateException("AES/CTR returned a short keystream, bytes=" + bytes);
                }
                if (NATIVE_LITTLE_ENDIAN) {
                    // Tensor memory holds native-order longs, so little-endian bytes can be copied as they are.
                    o.putBytes(done << 3, stream, 0, count << 3);
                } else {
                    for (int j = 0; j < count; j++) {
                        o.putLong((done + j) << 3, (long) LONG_LE.get(stream, j << 3));
                    }
                }
                done += count;
            }
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR keystream generation failed", e);
        } finally {
            // The keystream is future share material: do not leave it on the heap longer than needed.
            Arrays.fill(stream, (byte) 0);
            Reference.reachabilityFence(out);
        }
    }

    private static void putBigEndian(final byte[] dst, final int offset, final long value) {
        for (int i = 0; i < 8; i++) {
            dst[offset + i] = (byte) (value >>> (56 - 8 * i));
        }
    }
}
