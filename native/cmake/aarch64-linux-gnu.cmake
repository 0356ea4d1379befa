# Cross-compiling for 64-bit ARM Linux boards with Debian's g++-aarch64-linux-gnu.
#   cmake -S native -B native/build/runners/linux-aarch64 -DCMAKE_TOOLCHAIN_FILE=native/cmake/aarch64-linux-gnu.cmake
# Binaries are linked statically so they run on any aarch64 Linux (and under qemu-aarch64-static).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static")
# Baseline ISA of every source (ARMv8.0 + NEON, runs on Cortex-A53); the arm_dotprod/ kernels
# get -march=armv8.2-a+dotprod from CMakeLists.txt (the later -march wins) and are only
# called after getauxval(AT_HWCAP) reports ASIMDDP.
set(CMAKE_C_FLAGS_INIT "-march=armv8-a")
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a")
