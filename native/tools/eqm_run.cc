// eqm-run: loads an EQM file and runs it, without Node (the on-device runner's first form).
//   eqm-run model.eqm [input.f32]      input: raw little-endian float32, the model's input size
// Prints one line per output (name, shape, sum, first values). Exit code 1 on any error.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <vector>

#include "format/eqm_loader.h"
#include "runtime/session.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: eqm-run model.eqm [input.f32] [repeat]\n");
    return 2;
  }
  std::ifstream f(argv[1], std::ios::binary);
  if (!f) {
    std::fprintf(stderr, "eqm-run: cannot read %s\n", argv[1]);
    return 1;
  }
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::unique_ptr<eq::Model> model;
  eq::Status st = eq::LoadEqm(bytes.data(), bytes.size(), &model);
  if (!st.ok()) {
    std::fprintf(stderr, "eqm-run: %s\n", st.message().c_str());
    return 1;
  }
  std::unique_ptr<eq::Session> session;
  st = eq::Session::Create(std::move(model), &session);
  if (!st.ok()) {
    std::fprintf(stderr, "eqm-run: %s\n", st.message().c_str());
    return 1;
  }
  const eq::Model& m = session->model();
  const eq::TensorInfo& in = m.tensors[m.input];
  std::vector<float> input(static_cast<size_t>(in.numel), 0.f);
  if (argc >= 3) {
    std::ifstream fi(argv[2], std::ios::binary);
    std::vector<char> raw((std::istreambuf_iterator<char>(fi)), std::istreambuf_iterator<char>());
    if (raw.size() != input.size() * 4) {
      std::fprintf(stderr, "eqm-run: %s has %zu bytes, the input needs %zu\n", argv[2], raw.size(), input.size() * 4);
      return 1;
    }
    std::memcpy(input.data(), raw.data(), raw.size());
  }
  const int repeat = argc >= 4 ? std::atoi(argv[3]) : 1;
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < (repeat > 0 ? repeat : 1); r++) {
    st = session->Run(input.data(), in.dims.data(), in.dims.size(), input.size());
    if (!st.ok()) {
      std::fprintf(stderr, "eqm-run: %s\n", st.message().c_str());
      return 1;
    }
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / (repeat > 0 ? repeat : 1);
  for (size_t i = 0; i < m.outputs.size(); i++) {
    const eq::TensorInfo& t = m.tensors[m.outputs[i]];
    const float* y = session->OutputData(i);
    double sum = 0;
    for (int64_t j = 0; j < t.numel; j++) sum += y[j];
    std::printf("%s [", t.name.c_str());
    for (size_t d = 0; d < t.dims.size(); d++) std::printf("%s%lld", d ? "," : "", static_cast<long long>(t.dims[d]));
    std::printf("] sum %.9g first", sum);
    for (int64_t j = 0; j < t.numel && j < 4; j++) std::printf(" %.9g", y[j]);
    std::printf("\n");
  }
  std::printf("%.3f ms per run\n", ms);
  return 0;
}
