#include <cstdio>

#include "eqtest.h"
#include "kernels/isa.h"

int main(int argc, char** argv) {
  std::printf("eq-kernel-tests: detected ISA %s (available: %s)\n", eq::IsaName(eq::DetectIsa()), eq::AvailableIsas().c_str());
  return eqtest::RunAll(argc, argv);
}
