package dev.obscura.mpc;

import dev.obscura.backend.Backend;

/**
 * A protocol suite: a way of computing on secret-shared tensors. {@link #init} hands a party the suite's
 * {@link SecurePrimitives} for a session, and {@link SecureOps} builds every operation over them; everything above
 * (the {@code nn} package, applications) is written only against {@link SecureOps}, never against a suite, so that
 * a new suite (for example SPDZ with MACs, or three-party replicated sharing) drops in by implementing the
 * primitives and this interface and passing the conformance harness ({@code SuiteConformance} in the
 * {@code obscura-protocols} test-jar).
 */
public interface ProtocolSuite {

    /** Short name, for example {@code "additive-dealer"}. */
    String name();

    /** Whether the suite needs a dealer endpoint (crypto provider) in the network. */
    boolean needsDealer();

    /** This party's primitives for {@code session}; {@code new SecureOps(primitives)} gives the operations. */
    SecurePrimitives init(Session session);

    /**
     * Runs the dealer's side for one session until the parties close the connection. Only called when
     * {@link #needsDealer()}.
     */
    void runDealer(Transport dealerTransport, Backend backend);
}
