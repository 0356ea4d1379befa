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

// Zero-copy concat. A qconcat that only copies (every multiplier 1, every input's zero offset the
// output's: a different offset is requantized, kernels.h ConcatS8) along an axis with nothing
// before it (batch 1: the channel axis of NCHW) lays its inputs out back to back in its output.
// An input read by nothing else, starting and ending on a 64-byte boundary (so no kernel's
// alignment or rounding changes), is planned as a view at its place inside the output: its
// producer writes straight into the concat and the qconcat finds nothing left to copy.
// Returns parent[t] (the concat output t is a view of, or -1) and t's byte offset inside it.
// reads / writes: per tensor, how many op operands read / write it (PlanArena counts them).
void ConcatViews(const Model& m, const std::vector<bool>& read_first, const std::vector<uint32_t>& reads, const std::vector<uint32_t>& writes,
                 std::vector<int32_t>* parent, std::vector<size_t>* delta) {
  const size_t n = m.tensors.size();
  std::vector<bool> pinned(n, false);  // the model's input and outputs keep their own bytes
  if (m.input >= 0 && static_cast<size_t>(m.input) < n) pinned[m.input] = true;
  for (int32_t t : m.outputs)
    if (t >= 0 && static_cast<size_t>(t) < n) pinned[t] = true;
  parent->assign(n, -1);
  delta->assign(n, 0);
  for (const Op& op : m.ops) {
    if (op.kind != OpKind::kQConcat || op.output < 0 || static_cast<size_t>(op.output) >= n) continue;
    const TensorInfo& out = m.tensors[op.output];
    if (out.dtype != DType::kI8 || op.axis >= out.dims.size() || op.mults.size() != op.inputs.size()) continue;
    int64_t outer = 1;
    for (uint32_t d = 0; d < op.axis; d++) outer *= out.dims[d];
    if (outer != 1) continue;
    size_t offset = 0;
    for (size_t i = 0; i < op.inputs.size(); i++) {
      const int32_t t = op.inputs[i];
      if (t < 0 || static_cast<size_t>(t) >= n) break;
      const TensorInfo& ti = m.tensors[t];
      const bool view = op.mults[i] == 1.0f && ti.zero == out.zero && ti.kind == TensorKind::kValue && ti.dtype == DType::kI8 && !pinned[t] && !read_first[t] &&
                        reads[t] == 1 && writes[t] == 1 && offset % kAlign == 0 && ti.bytes() % kAlign == 0 && t != op.output;
      if (view) {
        (*parent)[t] = op.output;
        (*delta)[t] = offset;
      }
      offset += ti.bytes();
    }
  }
}

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
  std::vector<uint32_t> reads(n, 0), writes(n, 0);  // operand counts, for the concat views
  const auto touch = [&](int32_t t, size_t k, bool write) {
    if (t < 0 || static_cast<size_t>(t) >= n) return;
    first[t] = std::min(first[t], k);
    last[t] = std::max(last[t], k);
    if (write) {
      written[t] = true;
      writes[t]++;
    } else {
      reads[t]++;
      if (!written[t]) read_first[t] = true;
    }
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
  std::vector<int32_t> parent;
  std::vector<size_t> delta;
  if (shared) ConcatViews(m, read_first, reads, writes, &parent, &delta);
  else parent.assign(n, -1);
  // a view's root: the outermost concat output it sits in (concats of concats nest)
  const auto root = [&](size_t t) {
    size_t r = t;
    while (parent[r] >= 0) r = static_cast<size_t>(parent[r]);
    return r;
  };
  std::vector<size_t> order;
  for (size_t i = 0; i < n; i++) {
    if (m.tensors[i].kind == TensorKind::kConstant) continue;
    if (!shared || first[i] == SIZE_MAX || read_first[i]) {
      first[i] = 0;
      last[i] = ops;
    }
  }
  for (size_t i = 0; i < n; i++) {
    if (m.tensors[i].kind == TensorKind::kConstant) continue;
    if (parent[i] >= 0) {
      // the root's bytes must be live from the first write of any view inside it
      const size_t r = root(i);
      first[r] = std::min(first[r], first[i]);
      last[r] = std::max(last[r], last[i]);
      continue;
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
  for (size_t i = 0; i < n; i++) {
    if (m.tensors[i].kind == TensorKind::kConstant || parent[i] < 0) continue;
    size_t off = 0, r = i;
    for (; parent[r] >= 0; r = static_cast<size_t>(parent[r])) off += delta[r];
    plan.offsets[i] = plan.offsets[r] + off;
  }
  return plan;
}

}  // namespace eq
