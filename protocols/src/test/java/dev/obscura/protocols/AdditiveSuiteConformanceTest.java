package dev.obscura.protocols;

import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.protocols.additive.AdditiveSuite;

/** The additive suite with a dealer against the conformance harness, results and analytic costs. */
final class AdditiveSuiteConformanceTest extends SuiteConformance {
    @Override
    protected ProtocolSuite suite() {
        return new AdditiveSuite();
    }

    @Override
    protected CostModel costModel() {
        return new AdditiveDealerCostModel();
    }
}
