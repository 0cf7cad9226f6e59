package dev.obscura.cli;

import dev.obscura.nn.train.BatchListener;
import java.io.PrintWriter;
import java.time.temporal.ChronoUnit;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of one long loop, counted in images (training, inference) or bytes (a download): a live progress bar with
 * rate and time left on the terminal ({@code me.tongfei:progressbar}, drawn on standard error), or, when there is no
 * terminal (a pipe, a file, a test), a plain line on the command's output every few seconds. Thread-safe enough for
 * one updating thread.
 */
final class Progress implements BatchListener, AutoCloseable {
    /** Seconds between plain progress lines. */
    private static final long PLAIN_INTERVAL_NANOS = 5_000_000_000L;

    /** What is counted, and how it is shown. */
    enum Unit {
        /** Images, counted one by one. */
        IMAGES(" img", 1, "images", "img/s"),
        /** Bytes, shown in megabytes. */
        BYTES(" MB", 1_000_000, "MB", "MB/s");

        private final String barUnit;
        private final long scale;
        private final String name;
        private final String rate;

        Unit(final String barUnit, final long scale, final String name, final String rate) {
            this.barUnit = barUnit;
            this.scale = scale;
            this.name = name;
            this.rate = rate;
        }

        String amount(final long n) {
            return scale == 1 ? Long.toString(n) : String.format("%.1f", (double) n / scale);
        }
    }

    private final String task;
    private final long total;
    private final Unit unit;
    private final PrintWriter out;
    private final ProgressBar bar;
    private final long start = System.nanoTime();
    private long done;
    private long lastLine = start;
    private String extra = "";

    private Progress(final String task, final long total, final Unit unit, final PrintWriter out,
                     final boolean terminal) {
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.out = out;
        this.bar = terminal
            ? new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setUnit(unit.barUnit, unit.scale)
                .showSpeed().setSpeedUnit(ChronoUnit.SECONDS).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(250).setConsumer(new ConsoleProgressBarConsumer(System.err)).build()
            : null;
    }

    /** A progress display for {@code total} images; a bar only when this process has an interactive terminal. */
    static Progress start(final String task, final long total, final PrintWriter out) {
        return start(task, total, Unit.IMAGES, out);
    }

    /** A progress display for {@code total} of {@code unit}; a bar only when there is an interactive terminal. */
    static Progress start(final String task, final long total, final Unit unit, final PrintWriter out) {
        return new Progress(task, total, unit, out, System.console() != null && System.getenv("TERM") != null
            && !"dumb".equals(System.getenv("TERM")));
    }

    /** Counts {@code amount} more done; {@code message} (the running loss, say) is shown beside the rate. */
    void step(final long amount, final String message) {
        done += amount;
        extra = message == null ? "" : message;
        if (bar != null) {
            bar.setExtraMessage(extra.isEmpty() ? "" : " " + extra);
            bar.stepBy(amount);
            return;
        }
        final long now = System.nanoTime();
        if (now - lastLine >= PLAIN_INTERVAL_NANOS && done < total) {
            lastLine = now;
            final double seconds = (now - start) / 1e9;
            final double rate = done / Math.max(seconds, 1e-9);
            out.printf("  %s: %s/%s %s (%.0f%%), %.1f %s, %s left%s%n", task, unit.amount(done), unit.amount(total),
                unit.name, 100.0 * done / total, rate / unit.scale, unit.rate,
                Tables.duration((total - done) / Math.max(rate, 1e-9)), extra.isEmpty() ? "" : ", " + extra);
            out.flush();
        }
    }

    /** A batch of a training or inference loop: counted, with the running loss beside the rate when it is known. */
    @Override
    public void batchDone(final int images, final double meanLoss) {
        step(images, Double.isNaN(meanLoss) ? null : String.format("loss %.3f", meanLoss));
    }

    /** Seconds since the start. */
    double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
