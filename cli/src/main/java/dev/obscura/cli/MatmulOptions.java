package dev.obscura.cli;

import java.util.Arrays;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options of a secure matrix product ({@code obscura demo}, {@code obscura party}): its sizes and repetitions. */
final class MatmulOptions {
    // The label has no commas: picocli may wrap the synopsis after a comma, which would cut "M,K,N" in two.
    @Option(names = "--size", paramLabel = "SIZES", split = ",", hideParamSyntax = true, defaultValue = "256,256,256",
        description = {"Matrix sizes M,K,N: A is MxK, B is KxN.", "Default: ${DEFAULT-VALUE}."})
    private int[] size;

    @Option(names = "--repeat", paramLabel = "R", defaultValue = "5",
        description = "Timed secure products; the median is printed (default: ${DEFAULT-VALUE}).")
    private int repeat;

    /** Rejects sizes outside [1, 4096] and repetitions outside [1, 1000] (bad usage, exit status 2). */
    void check(final CommandLine cmd) {
        MnistCommand.check(cmd, size.length == 3 && Arrays.stream(size).allMatch(s -> s >= 1 && s <= 4096),
            "--size needs three sizes between 1 and 4096, e.g. --size 256,256,256");
        MnistCommand.check(cmd, repeat >= 1 && repeat <= 1000, "--repeat must be between 1 and 1000, repeat="
            + repeat);
    }

    /** The product of these options' sizes and repetitions, on the public test data of {@code dataSeed}. */
    MatmulCheck product(final long dataSeed) {
        return new MatmulCheck(size[0], size[1], size[2], repeat, dataSeed);
    }
}
