package dev.obscura.backend;

/** The pure-Java GEMM through the shared GEMM checks. */
class JavaFloatGemmTest extends FloatGemmConformanceTest {
    @Override
    protected FloatGemm gemm() {
        return new JavaFloatGemm();
    }
}
