package dev.obscura.mpc;

/**
 * A label naming what a party's program is computing now (a layer of a network and its pass, say), set by
 * {@link SecureOps#label(String)} and restored to the previous one when closed. Checked mode names it in its
 * reports, so that "conv2d left its range" says in which layer; nothing else reads it. Labels nest like scopes:
 * close them in the reverse order of setting them, as try-with-resources does.
 */
@FunctionalInterface
public interface Label extends AutoCloseable {
    /** A label that sets and restores nothing (an engine that keeps no labels). */
    Label NONE = () -> {
    };

    /** Restores the label that was current before this one was set. */
    @Override
    void close();
}
