package dev.obscura.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BackendsTest {

    @AfterEach
    void reset() {
        Backends.setDefault(null);
        System.clearProperty(Backends.PROPERTY);
    }

    @Test
    void shouldRegisterTheJavaProvider() {
        final List<BackendProvider> providers = Backends.providers();
        final BackendProvider java = providers.stream().filter(p -> p.name().equals("java")).findFirst().orElseThrow();
        assertInstanceOf(JavaBackendProvider.class, java);
        assertEquals(100, java.rank());
        assertTrue(java.unavailableReason().isEmpty());
        assertTrue(Backends.availableNames().contains("java"));
        for (int i = 1; i < providers.size(); i++) {
            assertTrue(providers.get(i - 1).rank() >= providers.get(i).rank(), "highest rank first");
        }
    }

    @Test
    void shouldFindTheJavaBackendByName() {
        final Backend java = Backends.byName("java");
        assertInstanceOf(JavaBackend.class, java);
        assertEquals("java", java.name());
        assertSame(java, Backends.byName(" Java "), "created once and shared, names trimmed and case-insensitive");
    }

    @Test
    void shouldListTheKnownNamesForAnUnknownBackend() {
        final IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> Backends.byName("no-such-backend"));
        assertTrue(e.getMessage().contains("no-such-backend"), e.getMessage());
        assertTrue(e.getMessage().contains("known backends=") && e.getMessage().contains("java"), e.getMessage());
    }

    @Test
    void shouldOverrideTheDefaultAndResetItWithNull() {
        Backends.setDefault("java");
        assertEquals("java", Backends.defaultBackend().name());
        assertThrows(IllegalArgumentException.class, () -> Backends.setDefault("no-such-backend"));
        assertEquals("java", Backends.defaultBackend().name(), "a rejected override changes nothing");
        Backends.setDefault(null);
        // Back to discovery: the best available backend, which is at least the java one.
        final Backend discovered = Backends.defaultBackend();
        assertTrue(Backends.availableNames().contains(discovered.name()));
    }

    @Test
    void shouldPreferTheApiOverrideToTheSystemProperty() {
        System.setProperty(Backends.PROPERTY, "no-such-backend");
        assertThrows(IllegalArgumentException.class, Backends::discover, "a named backend is never a silent fallback");
        Backends.setDefault("java");
        assertEquals("java", Backends.discover().name());
        System.setProperty(Backends.PROPERTY, "java");
        Backends.setDefault(null);
        assertEquals("java", Backends.discover().name());
    }
}
