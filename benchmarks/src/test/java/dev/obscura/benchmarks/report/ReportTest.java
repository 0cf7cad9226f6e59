package dev.obscura.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    private static List<JmhResult> sample() throws IOException {
        try (InputStream in = ReportTest.class.getResourceAsStream("/sample-jmh.json")) {
            return JmhResults.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldReadJmhResults() throws IOException {
        final List<JmhResult> results = sample();
        assertEquals(6, results.size());
        final JmhResult ring = results.get(1);
        assertEquals("ElementwiseBenchmark.ringAdd", ring.shortName());
        assertEquals("backend=native-cpu, size=1048576", ring.paramsText());
        assertEquals(1e-3, ring.secondsPerOp(), 1e-15);
        assertTrue(Double.isNaN(ring.error()));
    }

    @Test
    void shouldPairRingWithPlaintextTwinOnSharedParams() throws IOException {
        final List<ReportRow> rows = ReportRow.of(sample());
        assertEquals(2.0, rows.get(1).ratio().orElseThrow(), 1e-12);
        final ReportRow matmul = rows.get(4);
        assertEquals("2", matmul.twin().orElseThrow().params().get("threads"));
        assertEquals(12.5, matmul.ratio().orElseThrow(), 1e-12);
        assertTrue(rows.get(0).twin().isEmpty());
        assertTrue(rows.get(5).twin().isEmpty());
    }

    @Test
    void shouldPairSecureWithTheFastestMatchingPlaintextTwin() {
        final String pkg = "dev.obscura.benchmarks.";
        final JmhResult secure = new JmhResult(pkg + "MnistCnnBenchmark.secure", "avgt",
            Map.of("workload", "infer", "phase", "online"), 80, 1, "ms/op");
        final JmhResult java = new JmhResult(pkg + "MnistCnnPlainBenchmark.plaintext", "avgt",
            Map.of("workload", "infer", "gemm", "java"), 8, 1, "ms/op");
        final JmhResult openBlas = new JmhResult(pkg + "MnistCnnPlainBenchmark.plaintext", "avgt",
            Map.of("workload", "infer", "gemm", "openblas"), 4, 1, "ms/op");
        final JmhResult otherWorkload = new JmhResult(pkg + "MnistCnnPlainBenchmark.plaintext", "avgt",
            Map.of("workload", "train", "gemm", "openblas"), 1, 1, "ms/op");
        final ReportRow row = ReportRow.of(List.of(secure, java, otherWorkload, openBlas)).get(0);
        assertEquals("openblas", row.twin().orElseThrow().params().get("gemm"));
        assertEquals(20.0, row.ratio().orElseThrow(), 1e-12);
    }

    @Test
    void shouldReportPlaintextTwinsRunOnTheirOwn(@TempDir final Path dir) throws IOException {
        final Path json = dir.resolve("plain.json");
        Files.writeString(json, "[{\"benchmark\": \"dev.obscura.benchmarks.MnistCnnPlainBenchmark.plaintext\","
            + " \"mode\": \"avgt\", \"params\": {\"gemm\": \"java\", \"workload\": \"mnist-infer-64\"},"
            + " \"primaryMetric\": {\"score\": 17.8, \"scoreError\": 0.4, \"scoreUnit\": \"ms/op\"}}]");
        final Path md = dir.resolve("plain.md");
        Report.main(new String[] {json.toString(), md.toString(), dir.resolve("none.tsv").toString()});
        final String text = Files.readString(md);
        assertTrue(text.contains("Plaintext twins") && text.contains("MnistCnnPlainBenchmark.plaintext")
            && text.contains("gemm=java, workload=mnist-infer-64"), text);
    }

    @Test
    void shouldDeriveRatesFromTheWorkFloor() throws IOException {
        final List<ReportRow> rows = ReportRow.of(sample());
        // 3 x 8 x 2^20 bytes in 1 ms
        assertEquals(3 * 8 * 1048576 / 1e-3 / 1e9, rows.get(1).throughput().orElseThrow().value(), 1e-9);
        // 512^3 multiply-adds in 12.5 ms
        final Throughput matmul = rows.get(4).throughput().orElseThrow();
        assertEquals(Math.pow(512, 3) / 12.5e-3 / 1e9, matmul.value(), 1e-9);
        assertEquals(Throughput.GIGA_MULADDS_PER_SECOND, matmul.unit());
        // 8 MiB of keystream in 2.097152 ms is 4 GB/s
        assertEquals(4.0, rows.get(5).throughput().orElseThrow().value(), 1e-9);
    }

    @Test
    void shouldRenderMarkdownTable() throws IOException {
        final String table = MarkdownTable.render(ReportRow.of(sample()));
        final String[] lines = table.split("\n");
        assertEquals(8, lines.length);
        assertEquals("| ElementwiseBenchmark.ringAdd | backend=native-cpu, size=1048576 | 1000.0 | us/op"
            + " | 25.17 GB/s | 2.00x |", lines[3]);
        assertEquals("| ElementwiseBenchmark.plainAdd | size=1048576 | 500.0 ± 5.0 | us/op | 25.17 GB/s |  |",
            lines[2]);
    }
}
