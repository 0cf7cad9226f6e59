#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar, runs the JMH suite and writes, under bench-results/:
#   ring.json (JMH results), ring.txt (JMH console output) and ring.md (the Markdown table with ratios).
# Extra arguments go to JMH, for example a filter and shorter runs:
#   benchmarks/run.sh 'Matmul' -p backend=native-cpu -wi 1 -i 3
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -q -DskipTests -pl benchmarks -am package
mkdir -p bench-results
java -jar benchmarks/target/benchmarks.jar -rf json -rff bench-results/ring.json "$@" | tee bench-results/ring.txt
java -cp benchmarks/target/benchmarks.jar dev.obscura.benchmarks.report.Report \
    bench-results/ring.json bench-results/ring.md
cat bench-results/ring.md
