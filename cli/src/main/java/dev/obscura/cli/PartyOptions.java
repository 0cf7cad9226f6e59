package dev.obscura.cli;

import dev.obscura.backend.Backend;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options of every command that runs in-process parties: how many, and on which backend. */
final class PartyOptions {

    @Option(names = "--parties", paramLabel = "N", defaultValue = "2",
        description = "Parties in secure mode, 2 to 16 (default: ${DEFAULT-VALUE}).")
    private int parties;

    @Option(names = "--backend", paramLabel = "NAME",
        description = "Ring-arithmetic backend of the parties (see `obscura backends`; default: the best available).")
    private String backendName;

    /** Rejects a party count outside [2, 16] as bad usage. */
    void check(final CommandLine cmd) {
        MnistCommand.check(cmd, parties >= 2 && parties <= 16,
            "--parties must be between 2 and 16, parties=" + parties);
    }

    int parties() {
        return parties;
    }

    /** The backend named by --backend, or the default one. */
    Backend backend() {
        return MnistCommand.backend(backendName);
    }
}
