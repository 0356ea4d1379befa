// main() of eq-pool-tsan: the eqtest runner without the kernel library (tests/test_main.cc
// prints the CPU's ISA levels, which needs eqrt).
#include "eqtest.h"

int main(int argc, char** argv) { return eqtest::RunAll(argc, argv); }
