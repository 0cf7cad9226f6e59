package dev.obscura.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class UntrustedTextTest {

    /** No character of {@code s} can act on a terminal: every one is printable ASCII or a printable letter. */
    private static void assertInert(final String s) {
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            assertFalse(Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                || Character.isSurrogate(c), "character " + (int) c + " at " + i + " in " + s);
        }
    }

    @Test
    void shouldLeavePlainValuesAsTheyAre() {
        for (final String plain : new String[] {"model.obscura", "0.conv2d.weight", "/tmp/junit-1/m.obscura",
            "Straße", "naïve-日本語", "Sequential(Linear)"}) {
            assertEquals(plain, UntrustedText.quote(plain));
        }
        assertEquals("42", UntrustedText.quote(42));
        assertEquals("null", UntrustedText.quote(null));
    }

    @Test
    void shouldQuoteValuesWithSpacesSeparatorsOrQuotes() {
        assertEquals("\"Sequential(Flatten, Linear)\"", UntrustedText.quote("Sequential(Flatten, Linear)"));
        assertEquals("\"a=b\"", UntrustedText.quote("a=b"));
        assertEquals("\"\"", UntrustedText.quote(""));
        assertEquals("\"say \\\"hi\\\" \\\\ bye\"", UntrustedText.quote("say \"hi\" \\ bye"));
    }

    @Test
    void shouldEscapeTerminalControlsAndLineBreaks() {
        final String ansi = "\u001b[31mRED\u001b[0m";
        assertEquals("\"\\u001b[31mRED\\u001b[0m\"", UntrustedText.quote(ansi));
        assertEquals("\"one\\ntwo\\r\\tthree\"", UntrustedText.quote("one\ntwo\r\tthree"));
        // Bidirectional override (Trojan Source), zero-width space, an unpaired surrogate, a bell, DEL, NBSP.
        final String sneaky = "a\u202eb\u200bc\ud800d\u0007e\u007ff\u00a0g";
        final String quoted = UntrustedText.quote(sneaky);
        assertEquals("\"a\\u202eb\\u200bc\\ud800d\\u0007e\\u007ff\\u00a0g\"", quoted);
        assertInert(quoted);
    }

    @Test
    void shouldCapAHostileLengthAndSayHowLongItWas() {
        final String huge = "A".repeat(65_536);
        final String quoted = UntrustedText.quote(huge);
        assertTrue(quoted.length() < 2 * UntrustedText.MAX_CHARS, quoted.length() + " chars");
        assertTrue(quoted.startsWith("\"AAAA") && quoted.endsWith("\"... (65536 chars)"), quoted);
        // All escapes: the output stays bounded, not six times the cap.
        final String escapes = UntrustedText.quote("\u001b".repeat(10_000));
        assertTrue(escapes.length() < 2 * UntrustedText.MAX_CHARS, escapes.length() + " chars");
        assertTrue(escapes.endsWith("\"... (10000 chars)"), escapes);
        assertInert(escapes);
        final String exactlyAtCap = "B".repeat(UntrustedText.MAX_CHARS);
        assertEquals(exactlyAtCap, UntrustedText.quote(exactlyAtCap));
        assertEquals("\"" + exactlyAtCap + "\"... (101 chars)", UntrustedText.quote(exactlyAtCap + "B"));
    }

    @Test
    void shouldTakeAnotherCapForTheProgramsOwnStrings() {
        final String own = "Sequential(" + "Linear, ".repeat(30) + "ReLU)";
        assertEquals("\"" + own + "\"", UntrustedText.quote(own, 1000));
        assertEquals("abcdef", UntrustedText.quote("abcdef", 6));
        assertEquals("\"abc\"... (6 chars)", UntrustedText.quote("abcdef", 3));
        assertThrows(IllegalArgumentException.class, () -> UntrustedText.quote("x", 0));
    }

    @Test
    void shouldMakeAWholeLinePrintableWithoutQuoting() {
        final String quotes = "cannot open \"x\": no such file";
        assertEquals(quotes, UntrustedText.printable(quotes, 200));
        assertEquals("two\\nlines \\u001b[2J", UntrustedText.printable("two\nlines \u001b[2J", 200));
        final String cut = UntrustedText.printable("x".repeat(5000), 300);
        assertEquals("x".repeat(300) + "... (5000 chars)", cut);
        assertThrows(IllegalArgumentException.class, () -> UntrustedText.printable("x", 0));
    }
}
