package dev.obscura.cli;

import picocli.CommandLine;

/** Reports the version from the jar manifest (falls back to "development" when run from classes). */
final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        final String v = ObscuraCommand.class.getPackage().getImplementationVersion();
        return new String[] {"obscura " + (v == null ? "development" : v),
            "Java " + System.getProperty("java.version") + " on " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch")};
    }
}
