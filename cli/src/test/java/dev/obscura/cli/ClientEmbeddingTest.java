package dev.obscura.cli;

import dev.obscura.client.ObscuraClient;
import java.nio.file.Path;

/**
 * The client embedding snippet of README.md ("Encrypted inference service"), line for line, so that it compiles;
 * {@link InferenceServiceTest#shouldRunTheReadmeClientSnippet} runs it against a live service.
 */
final class ClientEmbeddingTest {
    private ClientEmbeddingTest() {
    }

    static int[] readmeSnippet(final Path certs, final int port0, final int port1, final float[][] images) {
        int[] predictions;
        // --- README.md, "Encrypted inference service" ---
        ObscuraClient.Config config = new ObscuraClient.Config()
            .tls(certs.resolve("alice.crt"), certs.resolve("alice.key"), certs.resolve("ca.crt"))
            .party("party-0", "127.0.0.1", port0)
            .party("party-1", "127.0.0.1", port1);
        try (ObscuraClient client = ObscuraClient.connect(config)) {
            int[] classes = client.classify(images).predictions();   // images: float[n][784], normalised MNIST pixels
            // --- end of the snippet ---
            predictions = classes;
        }
        return predictions;
    }
}
