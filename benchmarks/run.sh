#!/usr/bin/env bash
# Builds benchmarks/target/benchmarks.jar, runs the JMH suite and writes, under bench-results/:
#   results.json (JMH), results.txt (JMH console output), secure-costs.tsv (rounds and bytes of each secure
#   workload), results.md (the report: tables with ratios to the plaintext twins) and results-*.png (charts).
# Extra arguments go to JMH, for example a filter and shorter runs:
#   benchmarks/run.sh 'Matmul' -p backend=native-cpu -wi 1 -i 3
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -q -DskipTests -pl benchmarks -am install
mkdir -p bench-results
rm -f bench-results/secure-costs.tsv
java -jar benchmarks/target/benchmarks.jar -rf json -rff bench-results/results.json "$@" | tee bench-results/results.txt
java -cp benchmarks/target/benchmarks.jar dev.obscura.benchmarks.report.Report \
    bench-results/results.json bench-results/results.md
