package dev.obscura.cli;

import dev.obscura.federated.worker.WorkerConfig;
import dev.obscura.network.NetworkConfig;
import dev.obscura.network.TestCertificates;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Makes a test certificate authority and one certificate and key per endpoint of a network configuration, for a
 * local trial of parties over TLS. Not for production: there, each organisation keeps its own key and a real
 * authority signs the certificates.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = {"Make a test CA and certificates for the parties and helpers.",
        "",
        "With --workers FILE: for every worker, caller and secure-group endpoint of a worker configuration.",
        "",
        "Reads the network configuration, then writes the CA's certificate and, for each endpoint, a certificate and"
            + " a key (readable by the owner only) named after it, into the folder of the configuration's CA file, or"
            + " into --out. For a local trial only: the CA's key is not kept. Existing files are never"
            + " overwritten."})
final class CertsCommand implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
        description = "The network configuration file that every party reads.")
    private Path config;

    @Option(names = "--workers", paramLabel = "FILE",
        description = "Or a worker configuration: certificates for its workers, its callers and the endpoints of"
            + " secure-group configuration, under one CA.")
    private Path workers;

    @Option(names = "--out", paramLabel = "DIR",
        description = "Where to write the files (default: the folder of the configuration's CA file).")
    private Path out;

    @Option(names = "--client", paramLabel = "NAME",
        description = "With --config: also a certificate for this client of the inference service (repeatable).")
    private List<String> clients = new ArrayList<>();

    @Option(names = "--days", paramLabel = "N", defaultValue = "30",
        description = "How long the certificates are valid, in days (default: ${DEFAULT-VALUE}).")
    private int days;

    @Override
    public void run() {
        if (days < 1 || days > 3650) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--days must be between 1 and 3650, days="
                + days);
        }
        if ((config == null) == (workers == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --config or --workers");
        }
        if (workers != null) {
            workerCertificates();
            return;
        }
        final NetworkConfig c = NetworkConfig.read(config);
        final Path dir = out != null ? out : c.caFile().toAbsolutePath().getParent();
        final List<String> names = new ArrayList<>();
        final List<String> hosts = new ArrayList<>();
        for (final NetworkConfig.Endpoint e : c.endpoints()) {
            names.add(e.name());
            hosts.add(e.host());
        }
        for (final String client : clients) {
            names.add(client);
            hosts.add("127.0.0.1"); // a client is known by its name; the address does not matter
        }
        final List<Path> written = TestCertificates.write(names, hosts, dir, Duration.ofDays(days));
        final PrintWriter w = spec.commandLine().getOut();
        w.println("Wrote a test CA and certificates for " + c.endpoints().size() + " endpoints"
            + (clients.isEmpty() ? "" : " and " + clients.size() + " clients") + " (valid " + days
            + " days) into " + dir + ":");
        written.forEach(p -> w.println("  " + p.getFileName()));
        final List<String> unmatched = new ArrayList<>();
        for (final NetworkConfig.Endpoint e : c.endpoints()) {
            for (final Path p : List.of(c.caFile(), c.certificateFile(e), c.keyFile(e))) {
                if (!Files.isRegularFile(p) && !unmatched.contains(p.toString())) {
                    unmatched.add(p.toString());
                }
            }
        }
        if (!unmatched.isEmpty()) {
            w.println("Note: the configuration names files that are not there: " + String.join(", ", unmatched)
                + ". Point tls.ca, tls.certificate and tls.key at " + dir + "/ca.crt, " + dir + "/{name}.crt and "
                + dir + "/{name}.key.");
        }
        w.println("Give each host its own NAME.key only; every host needs ca.crt.");
    }

    /** One CA for a worker configuration's workers, callers and secure-group endpoints. */
    private void workerCertificates() {
        final WorkerConfig c = WorkerConfig.read(workers);
        final Map<String, String> hosts = new LinkedHashMap<>();
        for (final String n : c.workerNames()) {
            hosts.put(n, c.worker(n).host());
        }
        for (final String n : c.allowedCallers()) {
            hosts.putIfAbsent(n, "127.0.0.1");
        }
        c.mpc().ifPresent(m -> m.endpoints().forEach(e -> hosts.putIfAbsent(e.name(), e.host())));
        final Path dir = out != null ? out : c.caFile().toAbsolutePath().getParent();
        final List<Path> written = TestCertificates.write(new ArrayList<>(hosts.keySet()),
            new ArrayList<>(hosts.values()), dir, Duration.ofDays(days));
        final PrintWriter w = spec.commandLine().getOut();
        w.println("Wrote a test CA and certificates for " + hosts.size() + " names (valid " + days + " days) into "
            + dir + ": " + String.join(", ", hosts.keySet()));
        written.forEach(p -> w.println("  " + p.getFileName()));
        w.println("Give each host its own NAME.key only; every host needs ca.crt.");
    }
}
