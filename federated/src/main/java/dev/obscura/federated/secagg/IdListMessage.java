package dev.obscura.federated.secagg;

/** A message whose body is a set of client ids, ascending: {@code n(4) id(4)*n}. */
abstract sealed class IdListMessage extends SecAggMessage permits UnmaskRequest, ContributorReport, ContributorSet {
    private final int[] ids;

    IdListMessage(final MessageType type, final long roundId, final int party, final int[] ids, final String what) {
        super(type, roundId, party);
        this.ids = Ids.sortedDistinct(ids, what);
    }

    /** The ids, ascending; not a copy. */
    int[] ids() {
        return ids;
    }

    @Override
    void writeBody(final FrameWriter out) {
        out.putIds(ids);
    }
}
