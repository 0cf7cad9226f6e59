package dev.obscura.mpc;

import dev.obscura.backend.Backend;
import dev.obscura.random.SeedSource;
import java.util.Objects;

/**
 * An endpoint besides the computing parties that a protocol suite needs in its network, for example the dealer
 * (trusted crypto provider) of the additive suite. A suite lists its roles in {@link ProtocolSuite#helperRoles()};
 * a runner starts one endpoint per role, with ids after the parties: the {@code i}-th role listed gets endpoint id
 * {@code parties + i} ({@link Session#helperId(int)}), and runs {@link #run} on it.
 *
 * @param name    what the role is, for messages ({@code "dealer"}): a runner reports a failure as "the " + name
 * @param program what the role's endpoint runs until the parties close their connections
 */
public record HelperRole(String name, Program program) {

    /** Validates the parts. */
    public HelperRole {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(program, "program");
    }

    /** Runs the role on its endpoint {@code transport}, computing with {@code backend}, with secure seeds. */
    public void run(final Transport transport, final Backend backend) {
        program.run(transport, backend, SeedSource.secure());
    }

    /**
     * Runs the role on its endpoint {@code transport}, computing with {@code backend}, drawing seeds from
     * {@code seeds}.
     */
    public void run(final Transport transport, final Backend backend, final SeedSource seeds) {
        program.run(transport, backend, seeds);
    }

    /** The body of a helper role. */
    @FunctionalInterface
    public interface Program {
        /**
         * Serves the parties over {@code transport} until they close their connections, drawing every fresh seed
         * from {@code seeds} (the runner's choice: {@link SeedSource#secure()} unless a test asked otherwise).
         */
        void run(Transport transport, Backend backend, SeedSource seeds);
    }
}
