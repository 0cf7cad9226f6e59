package dev.obscura.cli;

import dev.obscura.backend.Backend;
import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.network.EndpointRuntime;
import dev.obscura.network.LinkEmulation;
import dev.obscura.network.NetworkConfig;
import dev.obscura.protocols.additive.AdditiveSuite;
import dev.obscura.protocols.clear.ClearSuite;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The options of every command that runs one endpoint of a deployment over TLS ({@code obscura party},
 * {@code obscura dealer}, {@code obscura mnist infer --config}): the configuration file, link emulation for
 * measurements, and the explicit permission an {@code insecure-seed} needs. Each command builds its
 * {@link EndpointRuntime.Context} here.
 */
final class NetworkOptions {
    /** The suites a configuration's {@code suite} may name. */
    static final List<String> SUITES = List.of("additive-dealer", "clear");

    @Option(names = "--config", paramLabel = "FILE",
        description = "The network configuration file that every party and the dealer read.")
    Path config;

    @Option(names = "--emulate-rtt", paramLabel = "TIME",
        description = {"Emulate a link with this round-trip time, e.g. 20ms (every endpoint needs the same).",
            "For measurements only."})
    String rtt;

    @Option(names = "--emulate-bandwidth", paramLabel = "RATE",
        description = {"Emulate a link of this bandwidth per connection, e.g. 1gbit or 100mbit.",
            "For measurements only."})
    String bandwidth;

    @Option(names = "--allow-insecure-seed",
        description = {"Accept the configuration's insecure-seed, which derives every seed from one value: results"
            + " repeat bit for bit, but anyone who knows it recomputes every share. Tests only."})
    boolean allowInsecureSeed;

    /** Whether an option that applies only with --config was given (for commands where --config is optional). */
    boolean networkOnly(final CommandLine cmd) {
        final CommandLine.ParseResult parsed = cmd.getParseResult();
        return rtt != null || bandwidth != null || allowInsecureSeed
            || parsed != null && parsed.hasMatchedOption("--allow-insecure-seed");
    }

    /** Whether --config was given. */
    boolean given() {
        return config != null;
    }

    /** The configuration (read and checked: a problem names the file and line). */
    NetworkConfig read() {
        return NetworkConfig.read(config);
    }

    /** The link emulation of --emulate-rtt and --emulate-bandwidth; a bad value is bad usage. */
    LinkEmulation emulation(final CommandLine cmd) {
        try {
            return LinkEmulation.parse(rtt, bandwidth);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, (rtt != null && bandwidth == null ? "--emulate-rtt: "
                : bandwidth != null && rtt == null ? "--emulate-bandwidth: " : "--emulate-rtt/--emulate-bandwidth: ")
                + e.getMessage(), e);
        }
    }

    /** The suite the configuration names. */
    static ProtocolSuite suite(final NetworkConfig config) {
        return switch (config.suite()) {
            case "additive-dealer" -> new AdditiveSuite();
            case "clear" -> new ClearSuite();
            default -> throw new IllegalStateException(config.source() + ": suite = " + config.suite()
                + " is not a suite of this build (known: " + String.join(", ", SUITES) + ")");
        };
    }

    /** The context of endpoint {@code self} of {@code config}, with these options. */
    EndpointRuntime.Context context(final CommandLine cmd, final NetworkConfig config, final int self,
                                    final Backend backend) {
        if (self < 0 || self >= config.endpoints().size()) {
            throw new CommandLine.ParameterException(cmd, "--id must be a party of " + config.source() + ", 0.."
                + (config.parties() - 1) + ", id=" + self);
        }
        return new EndpointRuntime.Context().config(config).self(self).suite(suite(config)).backend(backend)
            .emulation(emulation(cmd)).allowInsecureSeed(allowInsecureSeed
                || Boolean.getBoolean(EndpointRuntime.ALLOW_INSECURE_SEED_PROPERTY));
    }

    /** Describes where this endpoint runs and how, for the first line of a command's output. */
    static String describe(final NetworkConfig config, final int self, final Backend backend,
                           final LinkEmulation emulation) {
        final NetworkConfig.Endpoint me = config.endpoint(self);
        return (self < config.parties() ? "party " + self + " of " + config.parties() : me.name()) + " ("
            + me.name() + " at " + me.address() + "), suite " + config.suite() + ", backend " + backend.name()
            + (emulation.enabled() ? ", emulated link " + emulation : "");
    }
}
