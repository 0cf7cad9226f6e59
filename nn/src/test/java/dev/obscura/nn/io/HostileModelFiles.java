package dev.obscura.nn.io;

import dev.obscura.nn.engine.PlainEngine;
import dev.obscura.nn.models.MnistCnn;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Model files that attack their reader, for the tests of {@code nn} and of the command (through the test-jar): valid
 * files that carry hostile strings, and huge sparse files that cost no disk space.
 */
public final class HostileModelFiles {
    private HostileModelFiles() {
    }

    /**
     * A valid file of {@code MnistCnn}'s parameters (seed 1) with {@code architecture} and {@code firstName} in place
     * of the model's own architecture and first parameter name.
     */
    public static Path withStrings(final Path file, final String architecture, final String firstName) {
        final PlainEngine engine = new PlainEngine();
        final ModelData real = ModelBinding.capture(MnistCnn.create(engine, 1), engine);
        final List<ModelData.Parameter> params = new ArrayList<>(real.parameters());
        final ModelData.Parameter first = params.get(0);
        params.set(0, new ModelData.Parameter(firstName, first.shape(), first.values()));
        ModelFile.write(new ModelData(architecture, params), file);
        return file;
    }

    /** A sparse file of {@code length} bytes (no disk space) that starts with {@code header}. */
    public static Path sparse(final Path file, final long length, final byte[] header) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(length);
            f.write(header);
            return file;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A version 1 header declaring {@code declared} bytes, then an empty architecture and no parameters. */
    public static byte[] header(final long declared) {
        return ByteBuffer.allocate(ModelFileDescriptor.MIN_FILE_LENGTH - ModelFileDescriptor.CHECKSUM_LENGTH)
            .order(ByteOrder.LITTLE_ENDIAN).put(ModelFileDescriptor.magicBytes()).putInt(ModelFileDescriptor.VERSION)
            .putLong(declared).putInt(0).putInt(0).array();
    }
}
