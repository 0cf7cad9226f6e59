package dev.obscura.protocols.clear;

import dev.obscura.mpc.ProtocolSuite;
import dev.obscura.protocols.CostModel;
import dev.obscura.protocols.SuiteConformance;

/** The clear suite against the conformance harness, results and analytic costs. */
final class ClearSuiteConformanceTest extends SuiteConformance {
    @Override
    protected ProtocolSuite suite() {
        return new ClearSuite();
    }

    @Override
    protected CostModel costModel() {
        return new ClearCostModel();
    }
}
