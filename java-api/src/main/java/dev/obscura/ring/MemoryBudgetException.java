package dev.obscura.ring;

/**
 * An off-heap allocation was refused because it would take the memory held beyond the {@link MemoryBudget}. Nothing
 * was allocated. The message names the request, the memory in use, the budget and the two ways to change it.
 */
public final class MemoryBudgetException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final long requested;
    private final long inUse;
    private final long budget;

    MemoryBudgetException(final long requested, final long block, final long inUse, final long budget) {
        super("off-heap memory budget exceeded: request=" + requested + " bytes (" + MemoryBudget.format(requested)
            + ", a block of " + MemoryBudget.format(block) + "), inUse=" + inUse + " bytes (" + MemoryBudget.format(inUse) + "), budget=" + budget + " bytes ("
            + MemoryBudget.format(budget) + "); raise the budget with -D" + MemoryBudget.PROPERTY + "=SIZE (the"
            + " obscura command's " + MemoryBudget.OPTION + " SIZE), or make the job smaller (a smaller batch)");
        this.requested = requested;
        this.inUse = inUse;
        this.budget = budget;
    }

    /** Bytes the refused allocation asked for (the tensor's elements). */
    public long requested() {
        return requested;
    }

    /** Bytes held by open tensors when it was refused. */
    public long inUse() {
        return inUse;
    }

    /** The budget in bytes. */
    public long budget() {
        return budget;
    }
}
