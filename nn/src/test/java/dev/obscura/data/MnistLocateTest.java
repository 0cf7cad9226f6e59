package dev.obscura.data;

import static dev.obscura.data.MnistTest.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.obscura.data.MnistException.Reason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MnistLocateTest {
    @TempDir
    Path root;

    /** A project checkout beside its shared data, as in the workspace: root/main and root/shared/data/mnist. */
    private Path workspace() throws IOException {
        IdxFiles.writeSet(root.resolve(Mnist.DEFAULT_DIRECTORY), 1, 1, true);
        return Files.createDirectories(root.resolve("main/java-api"));
    }

    @Test
    void shouldPreferTheExplicitDirectoryOverPropertyEnvironmentAndDefault() throws IOException {
        final Path workingDirectory = workspace();
        final Path explicit = IdxFiles.writeSet(root.resolve("explicit"), 1, 1, false);
        final Path property = IdxFiles.writeSet(root.resolve("property"), 1, 1, true);
        final Path environment = IdxFiles.writeSet(root.resolve("environment"), 1, 1, true);

        assertEquals(explicit, Mnist.locate(Optional.of(explicit), property.toString(), environment.toString(),
            workingDirectory));
        assertEquals(property, Mnist.locate(Optional.empty(), property.toString(), environment.toString(),
            workingDirectory));
        assertEquals(environment, Mnist.locate(Optional.empty(), " ", environment.toString(), workingDirectory));
        assertEquals(root.resolve(Mnist.DEFAULT_DIRECTORY),
            Mnist.locate(Optional.empty(), null, "", workingDirectory));
        assertEquals(explicit, Mnist.locate(Optional.of(explicit)), "the public entry point");
    }

    @Test
    void shouldFindTheDefaultFromTheProjectRootAndFromTheDataParent() throws IOException {
        final Path module = workspace();
        final Path expected = root.resolve(Mnist.DEFAULT_DIRECTORY);
        assertEquals(expected, Mnist.locate(Optional.empty(), null, null, module.getParent()));
        assertEquals(expected, Mnist.locate(Optional.empty(), null, null, root));
        assertEquals(1, Mnist.load(Mnist.locate(Optional.empty(), null, null, module), 1, 1).train().count());
    }

    @Test
    void shouldFindTheDefaultFromTheProjectRootWhenTheWorkingDirectoryIsElsewhere() throws IOException {
        // root/checkout/main is the project, root/checkout/shared/data/mnist its data; the user is in root/elsewhere.
        final Path project = Files.createDirectories(root.resolve("checkout/main"));
        final Path expected = IdxFiles.writeSet(root.resolve("checkout").resolve(Mnist.DEFAULT_DIRECTORY), 1, 1, true);
        final Path elsewhere = Files.createDirectories(root.resolve("elsewhere/deep"));
        assumeNoDefaultAbove(root);

        assertEquals(expected, Mnist.locate(Optional.empty(), null, null, elsewhere, project));
        assertEquals(expected, Mnist.locate(Optional.empty(), null, null, elsewhere, project.resolve("cli/..")),
            "the root is normalised");
        final MnistException withoutRoot = assertThrows(MnistException.class,
            () -> Mnist.locate(Optional.empty(), null, null, elsewhere, null));
        assertContains(withoutRoot, "workingDirectory=" + elsewhere, "the project root is unknown",
            "-Dobscura.project.root is not set");
        assertWhereToPut(withoutRoot);
    }

    @Test
    void shouldPreferTheWorkingDirectoryOverTheProjectRoot() throws IOException {
        final Path project = Files.createDirectories(root.resolve("checkout/main"));
        IdxFiles.writeSet(root.resolve("checkout").resolve(Mnist.DEFAULT_DIRECTORY), 1, 1, true);
        final Path near = IdxFiles.writeSet(root.resolve("work").resolve(Mnist.DEFAULT_DIRECTORY), 1, 1, true);
        final Path workingDirectory = Files.createDirectories(root.resolve("work/here"));
        final Path property = IdxFiles.writeSet(root.resolve("property"), 1, 1, true);

        assertEquals(near, Mnist.locate(Optional.empty(), null, null, workingDirectory, project));
        assertEquals(property, Mnist.locate(Optional.empty(), property.toString(), null, workingDirectory, project),
            "a configured directory still wins over both defaults");
    }

    @Test
    void shouldNameEveryPlaceLookedInWhenNeitherSearchFindsTheData() throws IOException {
        final Path project = Files.createDirectories(root.resolve("checkout/main"));
        final Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
        assumeNoDefaultAbove(root);

        final MnistException e = assertThrows(MnistException.class,
            () -> Mnist.locate(Optional.empty(), null, "", elsewhere, project));
        assertEquals(Reason.NOT_FOUND, e.reason());
        assertContains(e, "no --data DIR given", "OBSCURA_MNIST_DIR and -Dobscura.mnist.dir are not set",
            "workingDirectory=" + elsewhere, "projectRoot=" + project, "(-Dobscura.project.root)",
            "any directory above it");
        assertWhereToPut(e);
    }

    /** Skips when this machine has a default data directory above the temporary directory, which would be found. */
    private static void assumeNoDefaultAbove(final Path dir) {
        for (Path d = dir.toAbsolutePath().getParent(); d != null; d = d.getParent()) {
            assumeFalse(Files.isDirectory(d.resolve(Mnist.DEFAULT_DIRECTORY)),
                "a " + Mnist.DEFAULT_DIRECTORY + " exists above the temporary directory, in " + d);
        }
    }

    @Test
    void shouldNotFallThroughWhenTheNamedDirectoryLacksTheFiles() throws IOException {
        final Path workingDirectory = workspace();
        final Path missing = root.resolve("nowhere");
        final MnistException e = assertThrows(MnistException.class,
            () -> Mnist.locate(Optional.empty(), null, missing.toString(), workingDirectory));
        assertEquals(Reason.NOT_FOUND, e.reason());
        assertEquals(missing, e.file().orElseThrow());
        assertContains(e, "directory=" + missing, "does not exist", "environment variable OBSCURA_MNIST_DIR");
        assertWhereToPut(e);
    }

    @Test
    void shouldNameTheMissingFiles() throws IOException {
        final Path data = IdxFiles.writeSet(root.resolve("partial"), 1, 1, true);
        Files.delete(data.resolve(Mnist.TEST_LABELS));
        Files.delete(data.resolve(Mnist.TRAIN_IMAGES));
        IdxFiles.write(data, Mnist.TRAIN_IMAGES, IdxFiles.images(1), false);

        final MnistException e = assertThrows(MnistException.class, () -> Mnist.load(data, 1, 1));
        assertEquals(Reason.NOT_FOUND, e.reason());
        assertContains(e, "directory=" + data, "missing=[" + Mnist.TEST_LABELS + "]");
        assertWhereToPut(e);
        assertThrows(MnistException.class, () -> Mnist.locate(Optional.of(data)));
    }

    @Test
    void shouldSayWhereToPutTheFilesWhenThereIsNoDirectoryAtAll() throws IOException {
        final MnistException noDirectory = assertThrows(MnistException.class,
            () -> Mnist.load(root.resolve("absent")));
        assertEquals(Reason.NOT_FOUND, noDirectory.reason());
        assertContains(noDirectory, "directory=" + root.resolve("absent"), "does not exist");
        assertWhereToPut(noDirectory);

        final Path bare = Files.createDirectories(root.resolve("bare/project"));
        final MnistException nothing = assertThrows(MnistException.class,
            () -> Mnist.locate(Optional.empty(), null, null, bare));
        assertEquals(Reason.NOT_FOUND, nothing.reason());
        assertContains(nothing, "no --data DIR given", "workingDirectory=" + bare, "any directory above it");
        assertWhereToPut(nothing);
    }

    private static void assertWhereToPut(final MnistException e) {
        assertContains(e, Mnist.TRAIN_IMAGES, Mnist.TRAIN_LABELS, Mnist.TEST_IMAGES, Mnist.TEST_LABELS,
            "--data DIR", "OBSCURA_MNIST_DIR=DIR", "-Dobscura.mnist.dir=DIR", "shared/data/mnist",
            "PROJECT/../shared/data/mnist", "-Dobscura.project.root");
    }
}
