package dev.obscura.mpc;

import java.util.List;

/**
 * A protocol suite: a way of computing on secret-shared tensors. {@link #init} hands a party the suite's
 * {@link SecurePrimitives} for a session, and {@link SecureOps} builds every operation over them; everything above
 * (the {@code nn} package, applications) is written only against {@link SecureOps}, never against a suite, so that
 * a new suite (for example SPDZ with MACs, or three-party replicated sharing) drops in by implementing the
 * primitives and this interface and passing the conformance harness ({@code SuiteConformance} in the
 * {@code obscura-protocols} test-jar).
 *
 * <p>A suite that needs endpoints besides the parties (a dealer, say) lists them in {@link #helperRoles()}; the
 * runner starts them and numbers them after the parties. Everything else about them is the suite's business.
 */
public interface ProtocolSuite {

    /** Short name, for example {@code "additive-dealer"}. */
    String name();

    /**
     * The helper endpoints a runner must start beside the parties, in endpoint order: role {@code i} gets id
     * {@code parties + i}. None by default.
     */
    default List<HelperRole> helperRoles() {
        return List.of();
    }

    /**
     * This party's primitives for {@code session} (established with this suite's helper count);
     * {@code new SecureOps(primitives)} gives the operations.
     */
    SecurePrimitives init(Session session);
}
