// The arena planner (runtime/arena_plan.cc): tensors live at the same time never share bytes,
// the model's input and outputs are never shared, and a chain needs far less than the sum.
#include <algorithm>

#include "eqtest.h"
#include "runtime/arena_plan.h"

namespace {

using eq::Model;
using eq::Op;

int32_t AddTensor(Model& m, int64_t numel, eq::TensorKind kind = eq::TensorKind::kValue) {
  eq::TensorInfo t;
  t.name = "t" + std::to_string(m.tensors.size());
  t.dtype = eq::DType::kI8;
  t.kind = kind;
  t.dims = {numel};
  t.numel = numel;
  m.tensors.push_back(std::move(t));
  return static_cast<int32_t>(m.tensors.size()) - 1;
}

void AddOp(Model& m, std::vector<int32_t> in, int32_t out) {
  Op op;
  op.inputs = std::move(in);
  op.output = out;
  m.ops.push_back(std::move(op));
}

// lifetimes from the ops, as the planner defines them (input/outputs: the whole run)
void CheckNoOverlap(const Model& m, const eq::ArenaPlan& plan) {
  const size_t n = m.tensors.size(), ops = m.ops.size();
  std::vector<size_t> first(n, ops + 1), last(n, 0);
  for (size_t k = 0; k < ops; k++) {
    std::vector<int32_t> ts = m.ops[k].inputs;
    ts.push_back(m.ops[k].output);
    for (int32_t t : ts) {
      first[t] = std::min(first[t], k);
      last[t] = std::max(last[t], k);
    }
  }
  std::vector<int32_t> whole = m.outputs;
  whole.push_back(m.input);
  for (int32_t t : whole) {
    first[t] = 0;
    last[t] = ops;
  }
  for (size_t a = 0; a < n; a++)
    for (size_t b = a + 1; b < n; b++) {
      if (m.tensors[a].kind == eq::TensorKind::kConstant || m.tensors[b].kind == eq::TensorKind::kConstant) continue;
      const bool live = !(last[a] < first[b] || last[b] < first[a]);
      const size_t a0 = plan.offsets[a], a1 = a0 + m.tensors[a].bytes(), b0 = plan.offsets[b], b1 = b0 + m.tensors[b].bytes();
      const bool mem = a0 < b1 && b0 < a1;
      EQ_EXPECT(!(live && mem)) << "tensors " << a << " and " << b << " are live together and share bytes";
      EQ_EXPECT(a1 <= plan.total && b1 <= plan.total) << "tensor past the arena end";
    }
}

}  // namespace

EQ_TEST(arena_plan_chain_reuses_memory) {
  // x -> a -> b -> c -> d -> y, with a skip from a to d (a lives until d)
  Model m;
  m.input = AddTensor(m, 1000);
  const int32_t a = AddTensor(m, 4000), b = AddTensor(m, 3000), c = AddTensor(m, 3000), d = AddTensor(m, 2000);
  const int32_t y = AddTensor(m, 100);
  const int32_t w = AddTensor(m, 1 << 20, eq::TensorKind::kConstant);
  AddOp(m, {m.input, w}, a);
  AddOp(m, {a}, b);
  AddOp(m, {b}, c);
  AddOp(m, {c, a}, d);
  AddOp(m, {d}, y);
  m.outputs = {y};
  const eq::ArenaPlan shared = eq::PlanArena(m), own = eq::PlanArena(m, false);
  CheckNoOverlap(m, shared);
  CheckNoOverlap(m, own);
  size_t sum = 0;
  for (const eq::TensorInfo& t : m.tensors)
    if (t.kind != eq::TensorKind::kConstant) sum += (t.bytes() + 63) & ~size_t{63};
  EQ_EXPECT(own.total == sum) << own.total << " vs " << sum;
  EQ_EXPECT(shared.total < sum) << shared.total << " vs " << sum;
  // peak: x, a, c, d... at op 3 (c, a, d live, plus x and y) = 1024 + 4032 + 3008 + 2048 + 128
  EQ_EXPECT(shared.total <= 1024 + 4032 + 3008 + 3008 + 2048 + 128) << shared.total;
  EQ_EXPECT(shared.offsets[w] == 0) << "constants take no arena bytes";
}

EQ_TEST(arena_plan_random_graphs_never_share_live_tensors) {
  eqtest::Rng r(7);
  for (int g = 0; g < 200; g++) {
    Model m;
    m.input = AddTensor(m, r.Uniform(1, 5000));
    std::vector<int32_t> avail = {m.input};
    const int ops = r.Uniform(1, 30);
    for (int k = 0; k < ops; k++) {
      std::vector<int32_t> in;
      const int nin = r.Uniform(1, 3);
      for (int i = 0; i < nin; i++) in.push_back(avail[static_cast<size_t>(r.Uniform(0, static_cast<int32_t>(avail.size()) - 1))]);
      const int32_t out = AddTensor(m, r.Uniform(0, 5000));
      AddOp(m, in, out);
      avail.push_back(out);
    }
    m.outputs = {avail.back()};
    if (r.Uniform(0, 1)) m.outputs.push_back(avail[static_cast<size_t>(r.Uniform(1, static_cast<int32_t>(avail.size()) - 1))]);
    const size_t failures = eqtest::FailureCount();
    CheckNoOverlap(m, eq::PlanArena(m));
    if (eqtest::FailureCount() != failures) break;
  }
}
