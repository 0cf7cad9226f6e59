package dev.obscura.nn.engine;

import dev.obscura.backend.FloatGemms;

/** Test access to the plaintext engine's package-private settings. */
public final class PlainEngineTestAccess {
    private PlainEngineTestAccess() {
    }

    /** An engine whose convolutions run one GEMM per {@code maxColumnFloats} floats of im2col matrix at most. */
    public static PlainEngine withColumnLimit(final long maxColumnFloats) {
        return new PlainEngine(FloatGemms.create(), maxColumnFloats);
    }
}
