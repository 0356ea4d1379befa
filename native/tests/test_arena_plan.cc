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

// qconcat (batch 1, copying) of `in` along axis 1 of [1, C, 1, 1] int8 tensors
void AddConcat(Model& m, std::vector<int32_t> in, int32_t out, std::vector<float> mults = {}) {
  Op op;
  op.kind = eq::OpKind::kQConcat;
  op.axis = 1;
  op.mults = mults.empty() ? std::vector<float>(in.size(), 1.0f) : mults;
  op.inputs = std::move(in);
  op.output = out;
  m.ops.push_back(std::move(op));
}

int32_t AddNchw(Model& m, int64_t c) {
  const int32_t t = AddTensor(m, c);
  m.tensors[t].dims = {1, c, 1, 1};
  return t;
}

// a sits at its place inside b: b is a copying qconcat's output with a among its inputs (or
// inside one of them, recursively) at the offset the inputs before it add up to
bool ViewOf(const Model& m, const eq::ArenaPlan& plan, int32_t a, int32_t b) {
  for (const Op& op : m.ops) {
    if (op.kind != eq::OpKind::kQConcat || op.output != b) continue;
    size_t off = 0;
    for (size_t i = 0; i < op.inputs.size(); i++) {
      const int32_t t = op.inputs[i];
      if (plan.offsets[t] == plan.offsets[b] + off && op.mults[i] == 1.0f && (t == a || ViewOf(m, plan, a, t))) return true;
      off += m.tensors[t].bytes();
    }
  }
  return false;
}

// lifetimes from the ops, as the planner defines them (input/outputs: the whole run); a
// concat input may share its concat's bytes, exactly at its place in it
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
      const bool view = ViewOf(m, plan, static_cast<int32_t>(a), static_cast<int32_t>(b)) || ViewOf(m, plan, static_cast<int32_t>(b), static_cast<int32_t>(a));
      EQ_EXPECT(!(live && mem) || view) << "tensors " << a << " and " << b << " are live together and share bytes";
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

EQ_TEST(arena_plan_concat_inputs_are_views_of_the_output) {
  // x -> s -> (e1, e3) -> concat -> p -> concat2(p, q) -> y, SqueezeNet's fire module; sizes are
  // multiples of 64 bytes except where a case says otherwise
  Model m;
  m.input = AddNchw(m, 256);
  const int32_t s = AddNchw(m, 128), e1 = AddNchw(m, 192), e3 = AddNchw(m, 320), cat = AddNchw(m, 512);
  const int32_t p = AddNchw(m, 512), q = AddNchw(m, 64), cat2 = AddNchw(m, 576), y = AddNchw(m, 64);
  AddOp(m, {m.input}, s);
  AddOp(m, {s}, e1);
  AddOp(m, {s}, e3);
  AddConcat(m, {e1, e3}, cat);
  AddOp(m, {cat}, p);
  AddOp(m, {p}, q);
  AddConcat(m, {p, q}, cat2);
  AddOp(m, {cat2}, y);
  m.outputs = {y};
  const eq::ArenaPlan plan = eq::PlanArena(m);
  CheckNoOverlap(m, plan);
  EQ_EXPECT(plan.offsets[e1] == plan.offsets[cat]) << plan.offsets[e1] << " vs " << plan.offsets[cat];
  EQ_EXPECT(plan.offsets[e3] == plan.offsets[cat] + 192) << plan.offsets[e3] << " vs " << plan.offsets[cat];
  // p is read by the op making q as well: it keeps its own bytes; q is a view
  EQ_EXPECT(plan.offsets[p] + 512 <= plan.offsets[cat2] || plan.offsets[cat2] + 576 <= plan.offsets[p]);
  EQ_EXPECT(plan.offsets[q] == plan.offsets[cat2] + 512) << plan.offsets[q] << " vs " << plan.offsets[cat2];
  // no view without sharing
  const eq::ArenaPlan own = eq::PlanArena(m, false);
  EQ_EXPECT(own.offsets[e1] != own.offsets[cat]);
  CheckNoOverlap(m, own);
}

EQ_TEST(arena_plan_concat_views_only_where_a_copy_is_exact) {
  for (int c = 0; c < 4; c++) {
    Model m;
    m.input = AddNchw(m, 64);
    // case 1: a requantizing input; 2: a size off the 64-byte grid (then the next input is
    // misaligned too); 3: the input is a model output
    const int32_t a = AddNchw(m, c == 2 ? 100 : 128), b = AddNchw(m, 64), cat = AddNchw(m, (c == 2 ? 100 : 128) + 64), y = AddNchw(m, 64);
    AddOp(m, {m.input}, a);
    AddOp(m, {m.input}, b);
    AddConcat(m, {a, b}, cat, c == 1 ? std::vector<float>{0.5f, 1.0f} : std::vector<float>{});
    AddOp(m, {cat}, y);
    m.outputs = {y};
    if (c == 3) m.outputs.push_back(a);
    const eq::ArenaPlan plan = eq::PlanArena(m);
    CheckNoOverlap(m, plan);
    const bool a_view = plan.offsets[a] == plan.offsets[cat];
    const bool b_view = plan.offsets[b] == plan.offsets[cat] + m.tensors[a].bytes();
    EQ_EXPECT(a_view == (c == 0)) << "case " << c;
    EQ_EXPECT(b_view == (c != 2)) << "case " << c;
  }
}

// random DAGs; with concats, some copying (multiplier 1) and some requantizing, nested, of
// inputs read elsewhere or not, sizes on and off the 64-byte grid
EQ_TEST(arena_plan_random_graphs_never_share_live_tensors) {
  eqtest::Rng r(11);
  for (int g = 0; g < 500; g++) {
    const bool concats = g % 2 == 1;
    Model m;
    m.input = AddNchw(m, concats ? 64 * r.Uniform(1, 8) : r.Uniform(1, 5000));
    std::vector<int32_t> avail = {m.input};
    const int ops = r.Uniform(1, 30);
    for (int k = 0; k < ops; k++) {
      std::vector<int32_t> in;
      const int nin = r.Uniform(1, 3);
      for (int i = 0; i < nin; i++) in.push_back(avail[static_cast<size_t>(r.Uniform(0, static_cast<int32_t>(avail.size()) - 1))]);
      int32_t out;
      if (concats && r.Uniform(0, 1)) {
        int64_t c = 0;
        std::vector<float> mults;
        for (int32_t t : in) {
          c += m.tensors[t].numel;
          mults.push_back(r.Uniform(0, 3) ? 1.0f : 0.5f);
        }
        out = AddNchw(m, c);
        AddConcat(m, in, out, mults);
      } else {
        out = AddNchw(m, !concats ? r.Uniform(0, 5000) : r.Uniform(0, 3) ? 64 * r.Uniform(1, 8) : r.Uniform(1, 500));
        AddOp(m, in, out);
      }
      avail.push_back(out);
    }
    m.outputs = {avail.back()};
    if (r.Uniform(0, 1)) m.outputs.push_back(avail[static_cast<size_t>(r.Uniform(1, static_cast<int32_t>(avail.size()) - 1))]);
    const size_t failures = eqtest::FailureCount();
    CheckNoOverlap(m, eq::PlanArena(m));
    if (eqtest::FailureCount() != failures) break;
  }
}
