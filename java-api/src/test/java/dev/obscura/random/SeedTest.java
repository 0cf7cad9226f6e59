package dev.obscura.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.backend.Backends;
import dev.obscura.ring.RingTensor;
import org.junit.jupiter.api.Test;

/** Issue 10: seed arrays kept their keys after use; destroy and consume zero them. */
class SeedTest {

    @Test
    void shouldZeroTheKeyWhenDestroyedAndRefuseUseAfterwards() {
        final Seed seed = Seed.random();
        final byte[] key = seed.key();
        assertFalse(allZero(key), "a fresh key");
        assertFalse(seed.isDestroyed());
        seed.destroy();
        assertTrue(seed.isDestroyed());
        assertTrue(allZero(key), "the key bytes themselves are zeroed");
        assertEquals("the seed was destroyed", assertThrows(IllegalStateException.class, seed::toBytes).getMessage());
        seed.destroy(); // idempotent
    }

    @Test
    void shouldZeroTheKeyOfAGeneratorWhenItIsDestroyed() {
        final Seed seed = Seed.random();
        final byte[] key = seed.key();
        final Prg prg = new Prg(seed, 3, Backends.byName("java"));
        try (RingTensor t = prg.next(5)) {
            assertEquals(5, t.numel());
        }
        prg.destroy();
        assertTrue(prg.isDestroyed() && seed.isDestroyed());
        assertTrue(allZero(key));
        try (RingTensor t = RingTensor.zeros(4)) {
            assertThrows(IllegalStateException.class, () -> prg.fill(t));
        }
    }

    @Test
    void shouldZeroTheArrayASeedIsConsumedFrom() {
        final byte[] sent = Seed.random().toBytes();
        final byte[] received = sent.clone();
        final Seed seed = Seed.consume(received);
        assertTrue(allZero(received), "the received array no longer holds the key");
        assertArrayEquals(sent, seed.toBytes());
        final byte[] wrong = {1, 2, 3};
        assertThrows(IllegalArgumentException.class, () -> Seed.consume(wrong));
        assertTrue(allZero(wrong), "zeroed even when refused");
    }

    private static boolean allZero(final byte[] bytes) {
        for (final byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
