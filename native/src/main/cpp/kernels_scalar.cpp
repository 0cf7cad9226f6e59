// The kernels for any x86-64 CPU: compiled for the baseline ISA (SSE2) and never with -march=native.
#define OBSCURA_ISA scalar
#define OBSCURA_ISA_NAME "scalar"
#define OBSCURA_LEVEL 0
#define OBSCURA_TABLE kScalarKernels
#include "kernels_impl.h"
