package dev.obscura.federated.secagg;

/**
 * The stage of a Bonawitz et al. round a role is in, named after the paper's rounds (Figure 4). The semi-honest
 * protocol skips round 3 (ConsistencyCheck), which only the actively secure version needs.
 */
public enum Stage {
    /** Round 0: clients advertise their public keys. */
    ADVERTISE_KEYS(0),
    /** Round 1: clients share their secrets, encrypted to each other, through the server. */
    SHARE_KEYS(1),
    /** Round 2: clients send their masked updates. */
    MASKED_INPUT_COLLECTION(2),
    /** Round 4: survivors reveal the shares that remove the masks. */
    UNMASKING(4),
    /** The round is over for this role (the sum is out, or the client has answered its last message). */
    FINISHED(5);

    private final int paperRound;

    Stage(final int paperRound) {
        this.paperRound = paperRound;
    }

    /** The round's number in the paper's Figure 4. */
    public int paperRound() {
        return paperRound;
    }
}
