// `eqrun bench`, `eqrun infer` and `eqrun hash`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "batch.h"
#include "commands.h"
#include "kernels/isa.h"
#include "sha256.h"
#include "util.h"

namespace eqrun {
namespace {

using Clock = std::chrono::steady_clock;

void RunOnce(eq::Session* s, const std::vector<float>& input) {
  const eq::TensorInfo& in = s->model().tensors[s->model().input];
  const eq::Status st = s->Run(input.data(), in.dims.data(), in.dims.size(), input.size());
  if (!st.ok()) Fail("run failed: " + st.message());
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const double pos = p * (v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

// The int8 input scale of a model whose input feeds only Quantize ops (all with one scale).
float InputQuantScale(const eq::Model& m) {
  float scale = 0.f;
  for (const eq::Op& op : m.ops) {
    if (std::find(op.inputs.begin(), op.inputs.end(), m.input) == op.inputs.end()) continue;
    if (op.kind != eq::OpKind::kQuantize) Fail("this model's input is read by " + std::string(eq::OpKindName(op.kind)) + " op '" + op.name + "', so it needs a float32 batch");
    if (scale != 0.f && op.scale != scale) Fail("this model quantizes its input with two scales, so it needs a float32 batch");
    scale = op.scale;
  }
  if (scale == 0.f) Fail("this model does not quantize its input, so it needs a float32 batch");
  return scale;
}

}  // namespace

int CmdBench(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv, 2, {"json", "no-autotune"}, {"warmup", "runs", "threads", "isa"});
  if (a.positional.size() != 1) Fail("bench needs exactly one model file");
  const long warmup = a.GetInt("warmup", 3, 0, 100000);
  const long runs = a.GetInt("runs", 10, 1, 1000000);
  auto session = OpenModel(a.positional[0], static_cast<int>(a.GetInt("threads", 0, 0, 256)), a.Get("isa"), !a.Has("no-autotune"));
  const long threads = session->threads();
  const eq::TensorInfo& in = session->model().tensors[session->model().input];
  // deterministic, non-trivial input in [-1, 1)
  std::vector<float> input(static_cast<size_t>(in.numel));
  uint32_t r = 12345;
  for (float& x : input) {
    r = r * 1664525u + 1013904223u;
    x = static_cast<float>(r >> 8) / 8388608.f - 1.f;
  }
  for (long i = 0; i < warmup; i++) RunOnce(session.get(), input);
  session->ResetProfile();  // per-layer times of the timed runs only
  std::vector<double> ms;
  for (long i = 0; i < runs; i++) {
    const auto t0 = Clock::now();
    RunOnce(session.get(), input);
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  double mean = 0;
  for (double v : ms) mean += v / ms.size();
  const double mn = *std::min_element(ms.begin(), ms.end()), mx = *std::max_element(ms.begin(), ms.end());
  const std::string isa = eq::IsaName(session->isa());
  const std::vector<eq::OpProfile>& prof = session->profile();
  if (a.Has("json")) {
    // layers: mean time per run of every op, in execution order, with the kernel it ran
    std::string layers = "[";
    for (size_t i = 0; i < prof.size(); i++) {
      const eq::OpProfile& p = prof[i];
      const double op_ms = p.calls ? p.total_ns / 1e6 / static_cast<double>(p.calls) : 0;
      layers += std::string(i ? "," : "") + "{\"name\":" + JsonString(p.name) + ",\"kind\":" + JsonString(p.kind) + ",\"kernel\":" + JsonString(p.kernel) +
                ",\"work\":" + std::to_string(p.work) + ",\"ms\":" + JsonNumber(op_ms) + "}";
    }
    layers += "]";
    std::printf("{\"model\":%s,\"warmup\":%ld,\"runs\":%ld,\"threads\":%ld,\"isa\":%s,\"latencyMs\":{\"min\":%s,\"median\":%s,\"p90\":%s,\"max\":%s,\"mean\":%s},\"layers\":%s}\n",
                JsonString(a.positional[0]).c_str(), warmup, runs, threads, JsonString(isa).c_str(), JsonNumber(mn).c_str(), JsonNumber(Percentile(ms, 0.5)).c_str(),
                JsonNumber(Percentile(ms, 0.9)).c_str(), JsonNumber(mx).c_str(), JsonNumber(mean).c_str(), layers.c_str());
  } else {
    std::printf("%s: %ld runs (%ld warm-up), %ld thread(s), isa %s\n", a.positional[0].c_str(), runs, warmup, threads, isa.c_str());
    std::printf("latency ms: min %.3f  median %.3f  p90 %.3f  max %.3f\n", mn, Percentile(ms, 0.5), Percentile(ms, 0.9), mx);
    for (const eq::OpProfile& p : prof)
      if (p.calls) std::printf("  %-40s %-10s %-24s %9.3f ms\n", p.name.c_str(), p.kind, p.kernel.c_str(), p.total_ns / 1e6 / static_cast<double>(p.calls));
  }
  return 0;
}

int CmdInfer(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv, 2, {"no-autotune"}, {"in", "out", "threads", "isa"});
  if (a.positional.size() != 1) Fail("infer needs exactly one model file");
  if (!a.Has("in") || !a.Has("out")) Fail("infer needs --in BATCH and --out FILE");
  auto session = OpenModel(a.positional[0], static_cast<int>(a.GetInt("threads", 0, 0, 256)), a.Get("isa"), !a.Has("no-autotune"));
  const eq::Model& m = session->model();
  const eq::TensorInfo& in = m.tensors[m.input];
  const Batch b = ReadBatch(a.Get("in"));
  if (static_cast<int64_t>(b.numel) != in.numel)
    Fail("input batch " + a.Get("in") + " has " + std::to_string(b.numel) + " values per sample; the model input '" + in.name + "' needs " + std::to_string(in.numel));
  if (b.dtype == 2) {
    const float s = InputQuantScale(m);
    if (s != b.scale) Fail("int8 batch scale " + JsonNumber(b.scale) + " differs from the model's input scale " + JsonNumber(s));
  }
  // output file: header, then every output of every sample
  std::vector<uint8_t> out(12 + 4 * m.outputs.size());
  std::memcpy(out.data(), "EQO1", 4);
  const uint32_t count = b.count, nout = static_cast<uint32_t>(m.outputs.size());
  std::memcpy(out.data() + 4, &count, 4);
  std::memcpy(out.data() + 8, &nout, 4);
  for (size_t i = 0; i < m.outputs.size(); i++) {
    const uint32_t n = static_cast<uint32_t>(m.tensors[m.outputs[i]].numel);
    std::memcpy(out.data() + 12 + 4 * i, &n, 4);
  }
  std::vector<float> input(b.numel);
  for (uint32_t s = 0; s < b.count; s++) {
    if (b.dtype == 1) {
      std::memcpy(input.data(), b.sample(s), b.numel * 4);
    } else {
      // q / scale quantizes back to exactly q in the model's first Quantize op (|error| << 0.5)
      const int8_t* q = reinterpret_cast<const int8_t*>(b.sample(s));
      for (uint32_t i = 0; i < b.numel; i++) input[i] = static_cast<float>(q[i]) / b.scale;
    }
    RunOnce(session.get(), input);
    for (size_t i = 0; i < m.outputs.size(); i++) {
      const uint8_t* y = reinterpret_cast<const uint8_t*>(session->OutputData(i));
      out.insert(out.end(), y, y + m.tensors[m.outputs[i]].numel * 4);
    }
  }
  WriteFileAtomic(a.Get("out"), out);
  std::printf("{\"samples\":%u,\"outputs\":%u,\"out\":%s}\n", count, nout, JsonString(a.Get("out")).c_str());
  return 0;
}

int CmdHash(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv, 2, {}, {});
  if (a.positional.empty()) Fail("hash needs at least one file");
  int rc = 0;
  for (const std::string& p : a.positional) {
    std::string hex;
    if (Sha256File(p, &hex)) {
      std::printf("%s  %s\n", hex.c_str(), p.c_str());
    } else {
      std::fprintf(stderr, "eqrun: cannot read %s\n", p.c_str());
      rc = 1;
    }
  }
  return rc;
}

}  // namespace eqrun
