package dev.obscura.network;

import dev.obscura.mpc.HelperRole;
import dev.obscura.protocols.additive.AdditiveSuite;
import java.util.List;

/**
 * What {@link EndpointRuntime.Context#conclude()} checks before anything is opened: that this endpoint is one of the
 * configuration's, that the configuration fits the suite (its name, and one helper endpoint per helper role the suite
 * declares, by name and in order), that an {@code insecure-seed} was allowed, and that the options fit together. Each
 * failure is one line that names the file (and line) or the option.
 */
final class EndpointChecks {
    private EndpointChecks() {
    }

    static void check(final EndpointRuntime.Context c) {
        final NetworkConfig config = c.config;
        if (c.self < 0 || c.self >= config.endpoints().size()) {
            throw new IllegalArgumentException("no endpoint " + c.self + " in " + config.source() + ": parties are 0.."
                + (config.parties() - 1) + (config.helpers().isEmpty() ? "" : ", helpers " + config.parties() + ".."
                + (config.endpoints().size() - 1)));
        }
        if (!c.suite.name().equals(config.suite())) {
            throw new ConfigException(config.source() + ": suite = " + config.suite() + ", but this program runs"
                + " the suite " + c.suite.name());
        }
        helpers(c);
        config.insecureSeed().ifPresent(s -> {
            if (!c.allowInsecureSeed) {
                throw new ConfigException(s.origin() + ": insecure-seed derives every share, mask and seed from"
                    + " one value, which removes all security: refused unless allowed (--allow-insecure-seed, or -D"
                    + EndpointRuntime.ALLOW_INSECURE_SEED_PROPERTY + "=true), for tests and reproducible runs only");
            }
        });
        final boolean files = c.preprocessing != null || c.recordPlan != null;
        if (files && c.self >= config.parties()) {
            throw new IllegalArgumentException("only a party takes a preprocessing file or records a plan, self="
                + c.self);
        }
        if (files && (c.computation == null || c.computation.isBlank())) {
            throw new IllegalArgumentException("a preprocessing file or a recorded plan needs the computation's name");
        }
        if (files && !(c.suite instanceof AdditiveSuite)) {
            throw new IllegalArgumentException("preprocessing files serve the additive dealer suite, not "
                + c.suite.name());
        }
        if (c.preprocessing != null && c.recordPlan != null) {
            throw new IllegalArgumentException("a party served by a preprocessing file has no dealer requests to"
                + " record; record the plan on a run with the online dealer");
        }
    }

    /** The configuration's helper endpoints must be the suite's helper roles, by name and in order. */
    private static void helpers(final EndpointRuntime.Context c) {
        final List<String> configured = c.config.helpers().stream().map(NetworkConfig.Endpoint::name).toList();
        final List<String> declared = c.suite.helperRoles().stream().map(HelperRole::name).toList();
        if (!configured.equals(declared)) {
            final StringBuilder lines = new StringBuilder();
            for (final String role : declared) {
                lines.append(lines.length() == 0 ? "" : ", ").append("helper.").append(role).append(" = HOST:PORT");
            }
            throw new ConfigException(c.config.source() + ": the helper endpoints " + configured + " are not the"
                + " roles that suite " + c.suite.name() + " declares " + declared + (declared.isEmpty()
                ? ": remove the helper.* lines" : ": the file needs, in this order, " + lines));
        }
    }
}
