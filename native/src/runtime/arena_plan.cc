#include "runtime/arena_plan.h"

#include <algorithm>
#include <cstdint>

namespace eq {

namespace {

constexpr size_t kAlign = 64;

size_t Slot(const TensorInfo& t) { return (static_cast<size_t>(t.bytes()) + kAlign - 1) & ~(kAlign - 1); }

struct Placed {
  size_t first, last, offset, size;
};

}  // namespace

ArenaPlan PlanArena(const Model& m, bool shared) {
  const size_t n = m.tensors.size(), ops = m.ops.size();
  ArenaPlan plan;
  plan.offsets.assign(n, 0);
  // lifetime [first, last] in op indices; untouched tensors live for the whole run
  std::vector<size_t> first(n, SIZE_MAX), last(n, 0);
  // read_first: some op reads the tensor before (or without) an op writing it; such a tensor
  // keeps a slot of its own, zeroed at creation, as if nothing were shared
  std::vector<bool> written(n, false), read_first(n, false);
  const auto touch = [&](int32_t t, size_t k, bool write) {
    if (t < 0 || static_cast<size_t>(t) >= n) return;
    first[t] = std::min(first[t], k);
    last[t] = std::max(last[t], k);
    if (write) written[t] = true;
    else if (!written[t]) read_first[t] = true;
  };
  for (size_t k = 0; k < ops; k++) {
    const Op& op = m.ops[k];
    for (int32_t t : op.inputs) touch(t, k, false);
    touch(op.output, k, true);
    for (int32_t t : op.fn.inputs) touch(t, k, false);
    for (int32_t t : op.fn.outputs) touch(t, k, true);
  }
  const auto whole = [&](int32_t t) {
    if (t < 0 || static_cast<size_t>(t) >= n) return;
    first[t] = 0;
    last[t] = ops;
  };
  whole(m.input);
  for (int32_t t : m.outputs) whole(t);
  std::vector<size_t> order;
  for (size_t i = 0; i < n; i++) {
    if (m.tensors[i].kind == TensorKind::kConstant) continue;
    if (!shared || first[i] == SIZE_MAX || read_first[i]) {
      first[i] = 0;
      last[i] = ops;
    }
    order.push_back(i);
  }
  if (!shared) {
    for (size_t i : order) {
      plan.offsets[i] = plan.total;
      plan.total += Slot(m.tensors[i]);
    }
    return plan;
  }
  // greedy by size (largest first), each at the lowest offset free during its lifetime
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return Slot(m.tensors[a]) > Slot(m.tensors[b]); });
  std::vector<Placed> placed;  // sorted by offset
  for (size_t i : order) {
    const size_t size = Slot(m.tensors[i]);
    size_t offset = 0;
    for (const Placed& p : placed) {
      if (p.last < first[i] || last[i] < p.first) continue;  // not live together
      if (offset + size <= p.offset) break;                  // fits in the gap before p
      offset = std::max(offset, p.offset + p.size);
    }
    plan.offsets[i] = offset;
    plan.total = std::max(plan.total, offset + size);
    const Placed np{first[i], last[i], offset, size};
    placed.insert(std::upper_bound(placed.begin(), placed.end(), np, [](const Placed& a, const Placed& b) { return a.offset < b.offset; }), np);
  }
  return plan;
}

}  // namespace eq
