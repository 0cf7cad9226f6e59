package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.backend.BackendProvider;
import dev.obscura.backend.Backends;
import dev.obscura.text.UntrustedText;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of every command that runs in-process parties: how many, on which backend, and whether to run past a
 * failed range check. They configure the secure run only, so a command accepts them only together with its
 * {@code --secure}.
 */
final class PartyOptions {
    /** The message when --parties or --backend is given without --secure. */
    static final String SECURE_ONLY = "--backend and --parties apply only with --secure";
    /** The option that runs a secure pass although the plaintext range check found a layer out of range. */
    static final String ALLOW = "--allow-out-of-range";

    @Option(names = "--parties", paramLabel = "N", defaultValue = "2",
        description = {"With --secure: the number of parties, 2 to 16.", "Default: ${DEFAULT-VALUE}."})
    private int parties;

    @Option(names = "--backend", paramLabel = "NAME",
        description = {"With --secure: the ring-arithmetic backend of the parties (see `obscura backends`).",
            "Default: the best available."})
    private String backendName;

    @Option(names = ALLOW,
        description = {"With --secure: run the secure pass even when the plaintext pass finds a layer beyond the"
            + " range that fixed point computes exactly (its results are then wrong without an error); only a"
            + " warning is printed. Default: refuse, naming the layer."})
    private boolean allowOutOfRange;

    /** The backend, resolved by {@link #check}. */
    private Backend backend;

    /**
     * Rejects bad usage (exit status 2): --parties or --backend without {@code --secure} (they would be silently
     * ignored), a party count outside [2, 16], and a backend that is unknown or cannot run here. With
     * {@code secure}, resolves the backend, so a later {@link #backend()} cannot fail.
     */
    void check(final CommandLine cmd, final boolean secure) {
        final CommandLine.ParseResult parsed = cmd.getParseResult();
        if (!secure) {
            MnistCommand.check(cmd, parsed == null || !parsed.hasMatchedOption(ALLOW),
                ALLOW + " applies only with --secure: add --secure, or leave it out");
            final List<String> given = new ArrayList<>();
            for (final String option : List.of("--parties", "--backend")) {
                if (parsed != null && parsed.hasMatchedOption(option)) {
                    given.add(option);
                }
            }
            MnistCommand.check(cmd, given.isEmpty(), SECURE_ONLY + ": add --secure, or leave out "
                + String.join(" and ", given));
            return;
        }
        MnistCommand.check(cmd, parties >= 2 && parties <= 16,
            "--parties must be between 2 and 16, parties=" + parties);
        backend = resolve(cmd, backendName);
    }

    /**
     * The backend named {@code name}, or the default one when {@code name} is null; an unknown or unavailable name
     * is bad usage, and the message lists the backends there are.
     */
    static Backend resolve(final CommandLine cmd, final String name) {
        if (name == null) {
            return Backends.defaultBackend();
        }
        final List<String> known = Backends.providers().stream().map(BackendProvider::name).toList();
        if (!known.contains(name.trim().toLowerCase(Locale.ROOT))) {
            throw new CommandLine.ParameterException(cmd, "--backend: unknown backend '"
                + UntrustedText.printable(name, UntrustedText.MAX_CHARS) + "'; known backends: "
                + String.join(", ", known) + " (see `obscura backends`)");
        }
        try {
            return Backends.byName(name);
        } catch (IllegalArgumentException e) {
            // A known backend that cannot run here: Backends says why (no native library, no CPU support, ...).
            throw new CommandLine.ParameterException(cmd, "--backend: " + e.getMessage()
                + " (see `obscura backends`)", e);
        }
    }

    /** Whether a secure pass runs although the range check failed ({@value #ALLOW}). */
    boolean allowOutOfRange() {
        return allowOutOfRange;
    }

    /** The name given with --backend, or {@code null}. */
    String backendName() {
        return backendName;
    }

    /** The number of parties (--parties). */
    int parties() {
        return parties;
    }

    /** The backend named by --backend, or the default one; call {@link #check} with {@code secure} first. */
    Backend backend() {
        if (backend == null) {
            throw new IllegalStateException("PartyOptions.check(cmd, true) must run before backend()");
        }
        return backend;
    }
}
