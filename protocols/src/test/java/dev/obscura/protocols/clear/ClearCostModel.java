package dev.obscura.protocols.clear;

import dev.obscura.protocols.CostModel;

/**
 * The analytic costs of the clear suite ({@link ClearSuite}): an input is the owner's value sent to every other
 * party (one round, {@code (n-1) * len * 8} bytes from the owner, nothing from the others); everything else is
 * computed on values every party already holds, so it costs nothing, comparisons included; there is no dealer.
 */
final class ClearCostModel implements CostModel {
    @Override
    public Cost input(final int parties, final int party, final int owner, final long numel) {
        return new Cost(1, party == owner ? (parties - 1) * numel * 8 : 0, 0);
    }

    @Override
    public Cost open(final int parties, final int party, final long numel) {
        return Cost.FREE;
    }

    @Override
    public Cost revealTo(final int parties, final int party, final int receiver, final long numel) {
        return Cost.FREE;
    }

    @Override
    public Cost bilinear(final int parties, final int party, final BilinearCall call) {
        return Cost.FREE;
    }

    @Override
    public Cost truncate(final int parties, final int party, final long numel, final int bits) {
        return Cost.FREE;
    }

    @Override
    public Cost publicProduct(final int parties, final int party, final long numelZ, final int truncateBits) {
        return Cost.FREE;
    }

    @Override
    public Cost comparisonBudget(final String op, final int parties, final long numel) {
        return Cost.FREE;
    }
}
