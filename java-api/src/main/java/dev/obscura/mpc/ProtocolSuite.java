package dev.obscura.mpc;

import dev.obscura.backend.Backend;
import dev.obscura.ring.RingTensor;
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

    /**
     * The value whose shares are {@code shares} (one per party, in party order, all of one shape), as a new tensor:
     * what checked mode ({@link OperationCheck}) recomputes every operation from, where every party's share is in
     * one process. The default is the sum in the ring, the reconstruction of additive sharing (the sharing that
     * {@link SecurePrimitives}' default linear operations assume), so an additive suite gets checked mode without
     * further code; a suite with another sharing overrides it (the clear suite returns one party's copy).
     */
    default RingTensor reconstruct(final Backend backend, final List<RingTensor> shares) {
        final RingTensor sum = RingTensor.zeros(shares.get(0).shape());
        try {
            for (final RingTensor share : shares) {
                backend.add(sum, share, sum);
            }
            return sum;
        } catch (RuntimeException e) {
            sum.close();
            throw e;
        }
    }
}
