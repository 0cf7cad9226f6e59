package dev.obscura.federated.worker;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The workers a caller drives, by name: in this process ({@link LocalWorkers}) or remote ({@link RemoteWorkers}).
 * User code that takes a {@code Workers} runs unchanged on either. Closing it closes every handle (and stops the
 * in-process workers).
 */
public interface Workers extends AutoCloseable {
    /** What a worker's name may be: it is also its certificate's common name. */
    Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,63}");

    /**
     * The worker called {@code name}.
     *
     * @throws IllegalArgumentException when there is none
     */
    Worker get(String name);

    /** Every worker, in the order they were given. */
    List<Worker> all();

    /** Every worker's name, in order. */
    default List<String> names() {
        final List<String> out = new ArrayList<>();
        for (final Worker w : all()) {
            out.add(w.name());
        }
        return out;
    }

    /** Closes every handle; in-process workers stop. */
    @Override
    void close();

    /** Refuses a name that cannot be a worker's. */
    static String checkName(final String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a worker's name is 1 to 64 lower-case letters, digits and '-',"
                + " starting with a letter, name=" + dev.obscura.text.UntrustedText.quote(name));
        }
        return name;
    }
}
