package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code obscura demo}: a secure matrix product through the protocol suite, and the range it needs. */
class DemoCommandTest {

    @Test
    void shouldMultiplyThroughTheProtocolSuiteAndAgreeWithTheProductInTheClear() {
        final CommandRun r = CommandRun.of("demo", "--size", "5,17,3", "--repeat", "2", "--parties", "3",
            "--backend", "java");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("3 parties and a dealer as threads"), r.out());
        // One row per backend: the rounds and bytes the secure product took, and its agreement.
        assertTrue(r.out().matches("(?s).*\\njava +[0-9.]+ +[1-9][0-9]* +[0-9.]+ +identical +[01] ulp +[0-9.e-]+\\n.*"),
            r.out());
        assertTrue(r.out().contains("Every backend is within it"), r.out());
    }

    /** Issue 10: --frac-bits 30 and 40 failed with "backend java disagrees with the reference: identical=true". */
    @Test
    void shouldRefuseFracBitsWhoseProductsLeaveTheRangeSayingItIsARangeError() {
        for (final String f : new String[] {"30", "40", "27"}) {
            final CommandRun r = CommandRun.of("demo", "--frac-bits", f, "--repeat", "1");
            assertEquals(2, r.status(), r.err());
            assertTrue(r.err().startsWith("obscura: --frac-bits " + f + ": fixed-point range error: "), r.err());
            assertTrue(r.err().contains("use --frac-bits 26 or less"), r.err());
            assertFalse(r.err().contains("disagrees"), r.err());
            assertEquals("", r.out());
        }
        final CommandRun forty = CommandRun.of("demo", "--frac-bits", "40");
        assertTrue(forty.err().contains("fracBits must be in [0, 30]"), forty.err());
        final CommandRun thirty = CommandRun.of("demo", "--frac-bits", "30");
        assertTrue(thirty.err().contains("K=256 of entries in [-1, 1] can reach |result| = 256.0"), thirty.err());
        assertTrue(thirty.err().contains("< 2^(62 - 2*30) = 4.0"), thirty.err());
    }

    @Test
    void shouldRunAtTheLargestFracBitsWhereTheSumsStayInRange() {
        final CommandRun r = CommandRun.of("demo", "--frac-bits", "30", "--size", "2,3,2", "--repeat", "1",
            "--backend", "java");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("Every backend is within it"), r.out());
        assertEquals(0, CommandRun.of("demo", "--size", "2,256,2", "--frac-bits", "26", "--repeat", "1",
            "--backend", "java").status());
    }

    @Test
    void shouldRejectAPartyCountOutsideTwoToSixteen() {
        final CommandRun r = CommandRun.of("demo", "--parties", "1");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("obscura: --parties must be between 2 and 16, parties=1"), r.err());
    }
}
