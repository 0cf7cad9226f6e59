package dev.obscura.nn.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.obscura.nn.layers.Conv2d;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The labels the layers, the tape, the loss and the optimiser give what they compute ({@link Labels}). */
final class LabelsTest {

    @Test
    void shouldNameALayerByItsIndexAndClass() {
        final PlainEngine e = new PlainEngine();
        assertEquals("layer 3 (Conv2d)", Labels.layer(3, new Conv2d<>(e, 1, 2, 3, 1, 0, new SplittableRandom(1))));
        assertEquals("layer 0 (ReLU)", Labels.layer(0, new ReLU<>()));
        assertEquals("layer 1 (Sequential)", Labels.layer(1, Sequential.of(new ReLU<>())));
    }

    @Test
    void shouldComposeAPathAndReplaceThePass() {
        assertEquals("layer 3 (Conv2d), forward", Labels.forward(Labels.child("", "layer 3 (Conv2d)")));
        assertEquals("layer 3 (Conv2d), backward", Labels.backward("layer 3 (Conv2d), forward"));
        assertEquals("layer 1 (Sequential) / layer 0 (Linear), forward",
            Labels.forward(Labels.child("layer 1 (Sequential), forward", "layer 0 (Linear)")));
        assertEquals("layer 1 (Sequential) / layer 0 (Linear), backward",
            Labels.backward("layer 1 (Sequential) / layer 0 (Linear), forward"));
        assertEquals("step 7 / loss (SoftmaxCrossEntropy), backward",
            Labels.backward(Labels.child("step 7", "loss (SoftmaxCrossEntropy)")));
        assertEquals("backward", Labels.backward(""));
        assertEquals("forward", Labels.forward(""));
        assertEquals("layer 2 (Linear), backward", Labels.backward("layer 2 (Linear), backward"));
    }

    @Test
    void shouldKeepNoLabelsOnThePlaintextEngine() {
        final PlainEngine e = new PlainEngine();
        try (var ignored = e.label("layer 0 (Linear), forward")) {
            assertEquals("", e.label());
        }
        assertEquals("", e.label());
    }
}
