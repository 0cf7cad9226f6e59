package dev.obscura.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.obscura.ring.MemoryBudget;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code --memory-budget} option of the commands that compute. */
class MemoryOptionsTest {

    @Test
    void shouldOfferTheOptionOnEveryCommandThatComputes() {
        for (final List<String> path : MemoryOptions.COMMANDS) {
            final String[] help = new String[path.size() + 1];
            for (int i = 0; i < path.size(); i++) {
                help[i] = path.get(i);
            }
            help[path.size()] = "--help";
            final CommandRun r = CommandRun.of(help);
            assertEquals(0, r.status(), r.err());
            assertTrue(r.out().contains("--memory-budget=SIZE"), path + ": " + r.out());
        }
        assertFalse(CommandRun.of("backends", "--help").out().contains("--memory-budget"));
    }

    @Test
    void shouldRefuseAnAllocationBeyondTheBudgetInOneLineAndRestoreTheBudgetAfterwards() {
        final long before = MemoryBudget.limit();
        final CommandRun r = CommandRun.of("demo", "--size", "512,512,512", "--repeat", "1", "--backend", "java",
            "--memory-budget", "1m");
        assertEquals(1, r.status(), r.err());
        final List<String> lines = r.err().lines().toList();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("obscura: off-heap memory budget exceeded: request="), r.err());
        assertTrue(lines.get(0).contains("budget=1048576 bytes (1.00 MiB)"), r.err());
        assertTrue(lines.get(0).contains("--memory-budget SIZE"), r.err());
        assertEquals(before, MemoryBudget.limit(), "the budget is the process's: restored after the command");
    }

    @Test
    void shouldRejectASizeThatDoesNotParseAsBadUsage() {
        final CommandRun r = CommandRun.of("demo", "--memory-budget", "lots");
        assertEquals(2, r.status());
        assertTrue(r.err().startsWith("obscura: --memory-budget must be a size such as 4g, 512m or a number of"
            + " bytes, --memory-budget='lots'"), r.err());
    }
}
