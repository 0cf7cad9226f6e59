package dev.obscura.benchmarks.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The rounds and bytes of each secure workload, as {@code SecureOpsBenchmark} appends them to
 * {@code secure-costs.tsv}: workload, rounds, bytes sent by party 0, bytes sent by the last party, dealer bytes of
 * the last party, elements of the first operand. The last line of a workload wins.
 *
 * @param workload     the workload label
 * @param rounds       online rounds
 * @param bytesFirst   bytes party 0 sent to the other party
 * @param bytesLast    bytes the last party sent
 * @param dealerBytes  bytes the last party exchanged with the dealer
 * @param elements     elements of the first operand
 */
public record SecureCosts(String workload, long rounds, long bytesFirst, long bytesLast, long dealerBytes,
                          long elements) {

    /** The costs in {@code file}, by workload; empty when the file does not exist. */
    public static Map<String, SecureCosts> read(final Path file) throws IOException {
        final Map<String, SecureCosts> out = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return out;
        }
        int lineNo = 0;
        for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            final String[] f = line.split("\t");
            if (f.length != 6) {
                throw new IOException("malformed costs line, file=" + file + ", line=" + lineNo);
            }
            try {
                out.put(f[0], new SecureCosts(f[0], Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[4]), Long.parseLong(f[5])));
            } catch (NumberFormatException e) {
                throw new IOException("malformed costs line, file=" + file + ", line=" + lineNo, e);
            }
        }
        return out;
    }

    /** The larger of the two parties' sent bytes, per element of the first operand. */
    public double bytesPerElement() {
        return elements == 0 ? 0 : (double) Math.max(bytesFirst, bytesLast) / elements;
    }

    /**
     * CrypTen 0.4's time for the same workload (2 parties as processes, 1 thread each, trusted-first-party triples,
     * 16 fractional bits, a 2-core machine of the reference kind), in milliseconds, as quoted in the issue.
     */
    public static Optional<Double> cryptenMillis(final String workload) {
        return Optional.ofNullable(switch (workload) {
            case "matmul-256" -> 41.7;
            case "matmul-512" -> 165.0;
            case "mul-2^20" -> 122.0;
            case "relu-2^20" -> 2317.0;
            case "mnist-infer-64" -> 1504.0;
            case "mnist-train-64" -> 3631.0;
            default -> null;
        });
    }
}
