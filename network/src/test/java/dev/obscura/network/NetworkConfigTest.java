package dev.obscura.network;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class NetworkConfigTest {
    private static final Path BASE = Path.of("/etc/obscura");
    private static final String FILE = """
        # a deployment of two parties and a dealer
        suite = additive-dealer
        fixed-point-bits = 20
        party.0 = Alice.example:7100   # comment after a value
        party.1 = 10.0.0.2:7100
        helper.dealer = [::1]:7102
        tls.ca = certs/ca.crt
        tls.certificate = certs/{name}.crt
        tls.key = /keys/{name}.key
        timeout = 30s
        heartbeat-timeout = 5s
        max-frame-bytes = 64MiB
        """;

    private static NetworkConfig parse(final String text) {
        return NetworkConfig.parse(text, "net.conf", BASE);
    }

    @Test
    void shouldReadEverySettingAndFillTheDefaults() {
        final NetworkConfig c = parse(FILE);
        assertEquals(2, c.parties());
        assertEquals(3, c.endpoints().size());
        assertEquals(new NetworkConfig.Endpoint(0, "party-0", "Alice.example", 7100), c.endpoint(0));
        assertEquals(new NetworkConfig.Endpoint(2, "dealer", "::1", 7102), c.endpoint("dealer"));
        assertEquals("[::1]:7102", c.endpoint(2).address());
        assertEquals("additive-dealer", c.suite());
        assertEquals(20, c.fixedPointBits());
        assertEquals(Duration.ofSeconds(30), c.timeout());
        assertEquals(NetworkConfig.DEFAULT_CONNECT_TIMEOUT, c.connectTimeout());
        assertEquals(Duration.ofSeconds(1), c.heartbeatInterval());
        assertEquals(Duration.ofSeconds(5), c.heartbeatTimeout());
        assertEquals(64L << 20, c.maxFrameBytes());
        assertEquals(BASE.resolve("certs/ca.crt"), c.caFile());
        assertEquals(BASE.resolve("certs/party-1.crt"), c.certificateFile(c.endpoint(1)));
        assertEquals(Path.of("/keys/dealer.key"), c.keyFile(c.endpoint(2)));
        assertEquals(64, c.digestHex().length());
    }

    @Test
    void shouldDigestTheSharedSettingsOnly() {
        final NetworkConfig c = parse(FILE);
        // Other order, spacing, comments, host case, explicit defaults and other local paths: the same digest.
        final NetworkConfig same = parse("""
            max-frame-bytes=67108864
            heartbeat-timeout=5000ms
            party.1=10.0.0.2:7100
            party.0=alice.EXAMPLE:7100
            suite=additive-dealer
            helper.dealer=[::1]:7102
            fixed-point-bits=20
            timeout=0.5m
            connect-timeout=60s
            heartbeat-interval=1000ms
            tls.ca=/other/ca.pem
            tls.certificate=/other/{name}.pem
            tls.key=/other/{name}.pem
            """);
        assertArrayEquals(c.digest(), same.digest(), c.canonicalText() + "\nvs\n" + same.canonicalText());
        for (final String change : new String[] {"timeout = 31s", "fixed-point-bits = 16", "party.1 = 10.0.0.3:7100",
            "suite = other", "max-frame-bytes = 1GiB", "heartbeat-timeout = 6s"}) {
            final String key = change.substring(0, change.indexOf(' '));
            final String edited = FILE.replaceAll("(?m)^" + java.util.regex.Pattern.quote(key) + " =.*$", change);
            assertFalse(java.util.Arrays.equals(c.digest(), parse(edited).digest()), change);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "partie.1 = x:1|net.conf:13: unknown key 'partie.1' (known: suite,",
        "suite = again|net.conf:13: duplicate key 'suite' (first on line 2)",
        "party.0 = h:2|net.conf:13: duplicate key 'party.0' (first on line 4)",
        "just words|net.conf:13: expected 'key = value', got 'just words'",
        "timeout =|net.conf:13: key 'timeout' has no value",
        "party.3 = h:7|net.conf:13: parties must be numbered 0..2 without gaps: party.2 is missing",
        "helper.party-x = h:9|net.conf:13: a helper may not be called 'party-x'",
        "helper.other = 10.0.0.2:7100|net.conf:13: other listens on the same address as line 5",
        "connect-timeout = 3 parsecs|net.conf:13: connect-timeout: expected a duration such as 250ms, 60s or 2m",
        "connect-timeout = 0s|net.conf:13: connect-timeout must be between 1ms and 24h",
        "heartbeat-interval = 3s|net.conf:13: heartbeat-interval must be at most half the heartbeat-timeout",
        "role.model-owner = 2|net.conf:13: role.model-owner must be a party of this configuration, 0..1, got 2",
        "role.data-owner = one|net.conf:13: role.data-owner must be a party id, got 'one'",
        "role.Bad = 1|net.conf:13: unknown key 'role.Bad'",
        "insecure-seed = two words|net.conf:13: insecure-seed must be 1 to 64 letters, digits",
    })
    void shouldRefuseABadLineNamingIt(final String line, final String message) {
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(FILE + line + "\n"));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "party.1 = 10.0.0.2:7100|party.1 = 10.0.0.2:70000|net.conf:5: port must be between 1 and 65535 for party-1",
        "party.1 = 10.0.0.2:7100|party.1 = 10.0.0.2|net.conf:5: expected host:port for party-1, got '10.0.0.2'",
        "party.1 = 10.0.0.2:7100|party.1 = bad_host!:1|net.conf:5: not a host name or address for party-1",
        "party.1 = 10.0.0.2:7100||net.conf: at least two parties are needed",
        "suite = additive-dealer||net.conf: missing key 'suite'",
        "tls.ca = certs/ca.crt||net.conf: missing key 'tls.ca'",
        "fixed-point-bits = 20|fixed-point-bits = 70|net.conf:3: fixed-point-bits: ",
        "fixed-point-bits = 20|fixed-point-bits = x|net.conf:3: fixed-point-bits: expected a whole number, got 'x'",
        "timeout = 30s|timeout = 2s|net.conf:11: heartbeat-timeout must not exceed timeout",
        "max-frame-bytes = 64MiB|max-frame-bytes = 2GiB|net.conf:12: max-frame-bytes must be between 1 and 2147483623",
        "max-frame-bytes = 64MiB|max-frame-bytes = 1.5|net.conf:12: max-frame-bytes: expected a whole number",
    })
    void shouldRefuseABadValueNamingItsLine(final String from, final String to, final String message) {
        final String text = FILE.replace(from, to == null ? "" : to);
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(text));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }

    @Test
    void shouldReadRolesAndTheInsecureSeedIntoTheDigest() {
        final NetworkConfig plain = parse(FILE);
        assertEquals(0, plain.role("model-owner", 0));
        assertEquals(1, plain.role("data-owner", 1));
        assertTrue(plain.insecureSeed().isEmpty());
        final NetworkConfig withRoles = parse(FILE + "role.model-owner = 1\nrole.data-owner = 0\n");
        assertEquals(1, withRoles.role("model-owner", 0));
        assertEquals(0, withRoles.role("data-owner", 1));
        assertEquals("net.conf:13", withRoles.roles().get("model-owner").origin());
        assertFalse(java.util.Arrays.equals(plain.digest(), withRoles.digest()), "roles are shared settings");
        final NetworkConfig seeded = parse(FILE + "insecure-seed = test-1\n");
        assertEquals("test-1", seeded.insecureSeed().orElseThrow().value());
        assertEquals("net.conf:13", seeded.insecureSeed().orElseThrow().origin());
        assertFalse(java.util.Arrays.equals(plain.digest(), seeded.digest()), "every party must agree on it");
        assertTrue(seeded.toString().contains("INSECURE"), seeded.toString());
        assertFalse(seeded.toString().contains("test-1"), seeded.toString());
    }

    @Test
    void shouldQuoteControlCharactersOfABadLine() {
        final ConfigException e = assertThrows(ConfigException.class, () -> parse(FILE + "\u001b[31mred = 1\n"));
        assertTrue(e.getMessage().contains("\\u001b[31mred"), e.getMessage());
        assertFalse(e.getMessage().contains("\u001b"));
    }

    @Test
    void shouldParseUnits() {
        assertEquals(Duration.ofMillis(250), Units.duration("250ms"));
        assertEquals(Duration.ofMinutes(2), Units.duration("2m"));
        assertEquals(Duration.ofNanos(1500), Units.duration("1.5us"));
        assertEquals(1L << 30, Units.bytes("1GiB"));
        assertEquals(4096, Units.bytes("4096"));
        assertEquals(1_000_000_000L, Units.bitsPerSecond("1gbit"));
        assertEquals(100_000_000L, Units.bitsPerSecond("100mbit"));
        assertThrows(IllegalArgumentException.class, () -> Units.bitsPerSecond("1 GB/s"));
        assertThrows(IllegalArgumentException.class, () -> Units.duration("-1s"));
        assertEquals(new LinkEmulation(Duration.ofMillis(10), 1_000_000_000L), LinkEmulation.parse("10ms", "1gbit"));
    }
}
