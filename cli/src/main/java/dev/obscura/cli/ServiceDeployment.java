package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.client.ObscuraClient;
import dev.obscura.network.EndpointRuntime;
import dev.obscura.network.LoopbackNetwork;
import dev.obscura.network.NetworkConfig;
import dev.obscura.network.TestCertificates;
import dev.obscura.network.Tls;
import dev.obscura.network.TlsProvider;
import dev.obscura.nn.io.ModelData;
import dev.obscura.protocols.additive.AdditiveSuite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * An encrypted inference service on loopback in one JVM: two compute parties ({@link InferenceService}, party 0
 * owning the model) and the dealer, as threads over mutual TLS, with test certificates for the named clients from the
 * same test CA. For the service's tests and the load harness ({@code obscura serve-load}); a deployment runs each
 * endpoint as its own process instead ({@code obscura serve}, {@code obscura dealer}).
 */
final class ServiceDeployment implements AutoCloseable {
    private final Path dir;
    private final NetworkConfig config;
    private final List<InferenceService> parties = new ArrayList<>();
    private final Thread dealer;

    private ServiceDeployment(final Path dir, final NetworkConfig config, final ModelData weights,
                              final Backend backend, final UnaryOperator<InferenceService.Settings> tune) {
        this.dir = dir;
        this.config = config;
        this.dealer = new Thread(() -> {
            try {
                EndpointRuntime.runHelper(new EndpointRuntime.Context().config(config).self(config.parties())
                    .suite(new AdditiveSuite()).backend(backend));
            } catch (RuntimeException e) {
                System.getLogger(ServiceDeployment.class.getName()).log(System.Logger.Level.DEBUG,
                    "dealer stopped: " + e.getMessage());
            }
        }, "obscura-serve-dealer");
        dealer.setDaemon(true);
        dealer.start();
        for (int p = 0; p < config.parties(); p++) {
            parties.add(startParty(p, weights, backend, tune));
        }
    }

    private InferenceService startParty(final int p, final ModelData weights, final Backend backend,
                                        final UnaryOperator<InferenceService.Settings> tune) {
        final NetworkConfig.Endpoint me = config.endpoint(p);
        final Tls tls = Tls.forFiles(config.certificateFile(me), config.keyFile(me), config.caFile(), TlsProvider.AUTO,
            config.source(), me.name());
        final InferenceService.Settings settings = tune.apply(InferenceService.Settings.defaults(
            new InetSocketAddress("127.0.0.1", 0)));
        return InferenceService.start(config, p, new EndpointRuntime.Context().config(config).self(p)
            .suite(new AdditiveSuite()).backend(backend), p == 0 ? weights : null, 0, settings, tls);
    }

    /**
     * Writes a two-party configuration on free loopback ports into {@code dir} with certificates for the parties,
     * the dealer and {@code clients}, starts everything and waits until the parties are ready (up to 60 s).
     */
    static ServiceDeployment start(final Path dir, final ModelData weights, final List<String> clients,
                                   final Backend backend, final Duration timeout,
                                   final UnaryOperator<InferenceService.Settings> tune) {
        final String text = LoopbackNetwork.configText("additive-dealer", 2, List.of("dealer"),
            "timeout = " + timeout.toSeconds() + "s\nconnect-timeout = 60s\n");
        try {
            Files.createDirectories(dir);
            final Path file = dir.resolve("network.conf");
            Files.writeString(file, text);
            final NetworkConfig config = NetworkConfig.read(file);
            final List<String> names = new ArrayList<>(List.of("party-0", "party-1", "dealer"));
            names.addAll(clients);
            TestCertificates.write(names, names.stream().map(n -> "127.0.0.1").toList(), dir.resolve("certs"),
                Duration.ofDays(1));
            final ServiceDeployment d = new ServiceDeployment(dir, config, weights, backend, tune);
            for (final InferenceService s : d.parties) {
                if (!s.awaitReady(Duration.ofSeconds(60))) {
                    d.close();
                    throw new IllegalStateException("the compute parties did not get ready: " + s.failure());
                }
            }
            return d;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the deployment into " + dir, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Compute party {@code p}. */
    InferenceService party(final int p) {
        return parties.get(p);
    }

    /** The client configuration of {@code client} (a name given to {@link #start}). */
    ObscuraClient.Config clientConfig(final String client) {
        final Path certs = dir.resolve("certs");
        final ObscuraClient.Config c = new ObscuraClient.Config().tls(certs.resolve(client + ".crt"),
            certs.resolve(client + ".key"), certs.resolve("ca.crt"));
        for (int p = 0; p < parties.size(); p++) {
            c.party(config.endpoint(p).name(), "127.0.0.1", parties.get(p).address().getPort());
        }
        return c;
    }

    /** Stops the parties (the leader tells the others) and the dealer. */
    @Override
    public void close() {
        for (final InferenceService s : parties) {
            s.close();
        }
        try {
            dealer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }}
