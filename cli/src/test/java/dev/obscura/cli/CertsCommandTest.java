package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertsCommandTest {
    @TempDir
    Path dir;

    private Path config(final String extra) throws Exception {
        final Path file = dir.resolve("network.conf");
        Files.writeString(file, """
            suite = additive-dealer
            party.0 = 127.0.0.1:7100
            party.1 = 127.0.0.1:7101
            helper.dealer = localhost:7102
            tls.ca = certs/ca.crt
            tls.certificate = certs/{name}.crt
            tls.key = certs/{name}.key
            """ + extra);
        return file;
    }

    @Test
    void shouldWriteACaAndACertificateAndKeyPerEndpoint() throws Exception {
        final CommandRun r = CommandRun.of("certs", "--config", config("").toString());
        assertEquals(0, r.status(), r.err());
        for (final String f : new String[] {"ca.crt", "party-0.crt", "party-0.key", "party-1.crt", "party-1.key",
            "dealer.crt", "dealer.key"}) {
            assertTrue(Files.isRegularFile(dir.resolve("certs").resolve(f)), f + ": " + r.out());
        }
        assertTrue(Files.readString(dir.resolve("certs/dealer.key")).startsWith("-----BEGIN PRIVATE KEY-----"));
        assertEquals("rw-------", PosixFilePermissions.toString(
            Files.getPosixFilePermissions(dir.resolve("certs/party-1.key"))));
        assertFalse(r.out().contains("Note:"), r.out());
        final CommandRun again = CommandRun.of("certs", "--config", dir.resolve("network.conf").toString());
        assertEquals(1, again.status());
        assertTrue(again.err().contains("ca.crt") && again.err().contains("exists"), again.err());
    }

    @Test
    void shouldNameTheLineOfABadConfiguration() throws Exception {
        final CommandRun r = CommandRun.of("certs", "--config", config("partie.2 = x:1\n").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("network.conf:8: unknown key 'partie.2'"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
    }
}
