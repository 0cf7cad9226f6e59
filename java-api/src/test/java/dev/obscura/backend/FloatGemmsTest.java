package dev.obscura.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Discovery of GEMMs with only this module on the class path: the Java GEMM, found through its services file. */
class FloatGemmsTest {

    @Test
    void shouldFindTheJavaGemmThroughTheServicesFile() {
        assertTrue(FloatGemms.providers().stream().anyMatch(p -> p.name().equals(JavaFloatGemm.NAME)));
        assertInstanceOf(JavaFloatGemm.class, FloatGemms.create(" Java "));
        assertEquals(JavaFloatGemm.NAME, FloatGemms.create("java").name());
    }

    @Test
    void shouldNameTheKnownGemmsForAnUnknownName() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> FloatGemms.create("nosuch"));
        assertTrue(e.getMessage().contains("unknown GEMM nosuch") && e.getMessage().contains("java"),
            e.getMessage());
    }

    @Test
    void shouldFollowTheProperty() {
        final String before = System.getProperty(FloatGemms.PROPERTY);
        try {
            System.setProperty(FloatGemms.PROPERTY, "java");
            assertEquals(JavaFloatGemm.NAME, FloatGemms.create().name());
            System.setProperty(FloatGemms.PROPERTY, "nosuch");
            assertThrows(IllegalArgumentException.class, () -> FloatGemms.create());
        } finally {
            if (before == null) {
                System.clearProperty(FloatGemms.PROPERTY);
            } else {
                System.setProperty(FloatGemms.PROPERTY, before);
            }
        }
    }
}
