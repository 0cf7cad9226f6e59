package dev.obscura.nn.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.data.LabelledImages;
import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.engine.PlainTensor;
import dev.obscura.nn.engine.Reveal;
import dev.obscura.nn.layers.Flatten;
import dev.obscura.nn.layers.Linear;
import dev.obscura.nn.layers.ReLU;
import dev.obscura.nn.layers.Sequential;
import dev.obscura.nn.models.MnistCnn;
import dev.obscura.ring.FixedPoint;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LayerRangesTest {
    private final PlainEngine engine = new PlainEngine();
    private final FixedPoint f16 = FixedPoint.defaultEncoding();

    private static void scale(final PlainTensor t, final float by) {
        final float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] *= by;
        }
    }

    @Test
    void shouldFindAnMnistCnnWithinRangeAndLeaveItsOutputsUnchanged() {
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 3);
        final LayerRanges ranges = new LayerRanges(model);
        final LabelledImages data = TrainerTest.images(4, 8);
        final int[] direct = new Classifier<>(model, engine, Reveal.toAll(engine)).predict(data, 3, BatchListener.NONE);
        final Classifier<PlainTensor> tracked = new Classifier<>(ranges, engine, Reveal.toAll(engine));
        assertArrayEquals(direct, tracked.predict(data, 3, BatchListener.NONE));
        assertEquals(List.of(), ranges.outOfRange(f16));
        assertEquals(model.parameters(), ranges.parameters());
    }

    @Test
    void shouldNameTheConvolutionWhoseScaledWeightsLeaveTheProductRange() {
        // The file: conv weights scaled by 1e7. Secure inference then gave 6 of 8 predictions wrong, silently.
        final Sequential<PlainTensor> model = MnistCnn.create(engine, 3);
        scale(model.parameters().get(0).value(), 1e7f);
        scale(model.parameters().get(2).value(), 1e7f);
        final LayerRanges ranges = new LayerRanges(model);
        new Classifier<>(ranges, engine, Reveal.toAll(engine)).predict(TrainerTest.images(4, 8), 8,
            BatchListener.NONE);
        final List<LayerRanges.OutOfRange> out = ranges.outOfRange(f16);
        // The first convolution's sums stay below 2^30 on these images; the second one's do not, and all after it.
        assertEquals(new LayerRanges.OutOfRange("3", "Conv2d", true, 16), out.get(0));
        assertEquals(List.of("3", "4", "5", "6", "7", "9"), out.stream().map(LayerRanges.OutOfRange::layer).toList());
        final String line = out.get(0).describe();
        assertEquals("layer 3 (Conv2d) forms sums of products of magnitude 2^30 or more, beyond what a secure product"
            + " truncates exactly at 16 fractional bits", line);
    }

    @Test
    void shouldMeasureTheProductWithoutTheBiasAndTheOutputWithIt() {
        // One linear layer, weights 0: the sum of products is 0; the bias alone pushes the output out of range.
        final SplittableRandom random = new SplittableRandom(1);
        final Linear<PlainTensor> linear = new Linear<>(engine, 4, 2, random);
        scale(linear.weight().value(), 0f);
        final float[] bias = linear.bias().value().data();
        bias[0] = 1e15f;
        final Sequential<PlainTensor> model = Sequential.of(new Flatten<>(), linear, new ReLU<>());
        final LayerRanges ranges = new LayerRanges(model);
        new Classifier<>(ranges, engine, Reveal.toAll(engine)).predict(new float[8], 2, 1, 2, 2);
        assertEquals(List.of(new LayerRanges.OutOfRange("1", "Linear", false, 16),
            new LayerRanges.OutOfRange("2", "ReLU", false, 16)), ranges.outOfRange(f16));
        assertTrue(ranges.outOfRange(f16).get(0).describe().contains("reaches magnitude 2^46 or more"));
        ranges.clear();
        assertEquals(List.of(), ranges.outOfRange(f16));
    }

    @Test
    void shouldCountANonFiniteValueAsOutOfRangeAndTrackTheInput() {
        final Sequential<PlainTensor> model = Sequential.of(new Flatten<>(), new ReLU<>());
        final LayerRanges ranges = new LayerRanges(model);
        new Classifier<>(ranges, engine, Reveal.toAll(engine)).predict(new float[] {Float.NaN, 1, 2, 3}, 1, 1, 2, 2);
        final List<LayerRanges.OutOfRange> out = ranges.outOfRange(f16);
        assertEquals(LayerRanges.INPUT, out.get(0).layer());
        assertTrue(out.get(0).describe().startsWith("the input reaches"), out.get(0).describe());
    }
}
