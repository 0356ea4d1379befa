// eqm-fuzz: mutation fuzzer for the EQM loader and runtime (a developer tool; build it with
// -DEQ_SANITIZE=ON to have AddressSanitizer/UBSan check every access).
//   eqm-fuzz seed.eqm [iterations] [random-seed]
// Each iteration mutates 1-3 places of the seed (byte, bit flip, interesting u32, ±1), repairs
// the size field and both CRCs so the structural validation is exercised, then loads the file
// and, if it loads, runs it on a zero input. Prints counts; any crash is a bug.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "format/crc32.h"
#include "format/eqm_loader.h"
#include "runtime/session.h"

namespace {

void PutU32(std::vector<uint8_t>& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; i++) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
uint32_t GetU32(const std::vector<uint8_t>& b, size_t at) {
  return static_cast<uint32_t>(b[at]) | (static_cast<uint32_t>(b[at + 1]) << 8) | (static_cast<uint32_t>(b[at + 2]) << 16) | (static_cast<uint32_t>(b[at + 3]) << 24);
}

void FixCrcs(std::vector<uint8_t>& b) {
  if (b.size() < 32) return;
  PutU32(b, 16, static_cast<uint32_t>(b.size()));
  const uint32_t hs = GetU32(b, 8);
  if (hs > b.size() || hs < 28) return;
  PutU32(b, 12, eq::Crc32(b.data() + hs, b.size() - hs));
  PutU32(b, 24, 0);
  PutU32(b, 24, eq::Crc32(b.data(), hs));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: eqm-fuzz seed.eqm [iterations] [random-seed]\n");
    return 2;
  }
  std::ifstream f(argv[1], std::ios::binary);
  std::vector<uint8_t> seed((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (seed.size() < 32) {
    std::fprintf(stderr, "eqm-fuzz: seed too small\n");
    return 2;
  }
  const long iters = argc >= 3 ? std::atol(argv[2]) : 10000;
  std::mt19937 rng(argc >= 4 ? static_cast<unsigned>(std::atol(argv[3])) : 1u);
  const uint32_t interesting[] = {0, 1, 2, 3, 7, 8, 255, 256, 0x7fff, 0xffff, 0x10000, 0x7fffffff, 0x80000000u, 0xfffffffeu, 0xffffffffu};
  const size_t header = GetU32(seed, 8);
  long rejected = 0, loaded = 0, run_errors = 0;
  std::map<std::string, long> run_msgs;
  for (long it = 0; it < iters; it++) {
    std::vector<uint8_t> b = seed;
    const int n = 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n; k++) {
      const int mode = static_cast<int>(rng() % 5);
      if (b.size() <= header) break;
      size_t at = (rng() % 10 == 0) ? rng() % header : header + rng() % (b.size() - header);
      if (mode == 0) b[at] = static_cast<uint8_t>(rng());
      else if (mode == 1) b[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
      else if (mode == 4) b.resize(header + rng() % (b.size() - header + 1));
      else if ((at & ~static_cast<size_t>(3)) + 4 <= b.size()) {
        at &= ~static_cast<size_t>(3);
        if (mode == 2) PutU32(b, at, interesting[rng() % (sizeof(interesting) / 4)]);
        else PutU32(b, at, GetU32(b, at) + ((rng() & 1) ? 1u : 0xffffffffu));
      }
    }
    FixCrcs(b);
    std::unique_ptr<eq::Model> model;
    eq::Status st = eq::LoadEqm(b.data(), b.size(), &model);
    if (!st.ok()) {
      rejected++;
      continue;
    }
    std::unique_ptr<eq::Session> s;
    eq::SessionOptions opts;
    opts.threads = 1;
    opts.autotune = false;  // autotune timing runs would only repeat the run below
    st = eq::Session::Create(std::move(model), opts, &s);
    if (!st.ok()) {
      run_errors++;
      continue;
    }
    loaded++;
    const eq::TensorInfo& in = s->model().tensors[s->model().input];
    std::vector<float> x(static_cast<size_t>(in.numel), 0.5f);
    st = s->Run(x.data(), in.dims.data(), in.dims.size(), x.size());
    if (!st.ok()) {
      run_errors++;
      run_msgs[st.message().substr(0, 60)]++;
    }
  }
  std::printf("%ld iterations: %ld rejected, %ld loaded, %ld run errors\n", iters, rejected, loaded, run_errors);
  for (const auto& m : run_msgs) std::printf("  run error x%ld: %s\n", m.second, m.first.c_str());
  return 0;
}
