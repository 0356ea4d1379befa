// Node-API binding of the native EQ search kernels (native/src/calib). Every function takes
// one options object, runs on a libuv worker thread (the JS event loop stays free, so a
// cancellation request is seen at once) and returns a Promise. `cancel` is an Int32Array
// whose first element the caller sets to 1 to stop the work; the promise then rejects with
// "calibration cancelled".
//
//   calibWeightSearch(o) → Promise<{ scales: Float64Array, best: Float64Array }>
//   calibGroupCosines(o) → Promise<Float64Array>   [scale][layer][image]
//   calibLayerForward(o) → Promise<void>           (writes o.outs)
//   calibInfo() → { isa, gemmInt8, gemmInt7, threads, isas: 'scalar,avx2,…' }
// Options common to the three: qmax, threads, cancel, isa (optional: forces a kernel level),
// unsigned (optional boolean, default false: the input on the unsigned grid; aScale / scales are
// still the table's S, the kernels apply Se = 2*S, see calib/eq_search.h).
#include <napi.h>

#include <functional>
#include <string>
#include <vector>

#include "calib/eq_search.h"
#include "common/thread_pool.h"
#include "kernels/isa.h"

namespace {

using eq::LinearGeom;

Napi::Error Err(const Napi::Env& env, const std::string& fn, const std::string& m) { return Napi::TypeError::New(env, fn + ": " + m); }

Napi::Value Field(const Napi::Object& o, const char* name, const std::string& fn) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined()) throw Err(o.Env(), fn, std::string("missing option '") + name + "'");
  return v;
}

double Num(const Napi::Object& o, const char* name, const std::string& fn) {
  Napi::Value v = Field(o, name, fn);
  if (!v.IsNumber()) throw Err(o.Env(), fn, std::string("'") + name + "' must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

uint32_t U32(const Napi::Object& o, const char* name, const std::string& fn) {
  const double d = Num(o, name, fn);
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint32_t>(d)))
    throw Err(o.Env(), fn, std::string("'") + name + "' must be a non-negative integer");
  return static_cast<uint32_t>(d);
}

template <typename T, napi_typedarray_type kType>
T* Typed(const Napi::Value& v, size_t expect, const std::string& what, const std::string& fn) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != kType) throw Err(v.Env(), fn, what + " has the wrong array type");
  Napi::TypedArrayOf<T> a = v.As<Napi::TypedArrayOf<T>>();
  if (expect != SIZE_MAX && a.ElementLength() != expect)
    throw Err(v.Env(), fn, what + " has " + std::to_string(a.ElementLength()) + " elements, expected " + std::to_string(expect));
  return a.Data();
}

LinearGeom Geom(const Napi::Object& o, const std::string& fn) {
  Napi::Value gv = Field(o, "geom", fn);
  if (!gv.IsObject()) throw Err(o.Env(), fn, "'geom' must be an object");
  Napi::Object go = gv.As<Napi::Object>();
  LinearGeom g;
  Napi::Value kind = Field(go, "kind", fn);
  g.conv = !(kind.IsString() && kind.As<Napi::String>().Utf8Value() == "gemm");
  g.cin = U32(go, "cin", fn);
  g.cout = U32(go, "cout", fn);
  g.group = U32(go, "group", fn);
  g.kh = U32(go, "kh", fn);
  g.kw = U32(go, "kw", fn);
  g.sh = U32(go, "sh", fn);
  g.sw = U32(go, "sw", fn);
  g.dh = U32(go, "dh", fn);
  g.dw = U32(go, "dw", fn);
  g.padT = U32(go, "padT", fn);
  g.padL = U32(go, "padL", fn);
  g.inH = U32(go, "inH", fn);
  g.inW = U32(go, "inW", fn);
  g.outH = U32(go, "outH", fn);
  g.outW = U32(go, "outW", fn);
  g.K = U32(go, "K", fn);
  g.P = U32(go, "P", fn);
  if (g.cout == 0 || g.group == 0 || g.cout % g.group != 0 || g.cin % g.group != 0 || g.K == 0 || g.P == 0)
    throw Err(o.Env(), fn, "inconsistent layer geometry");
  if (g.conv && (g.K != (g.cin / g.group) * g.kh * g.kw || g.P != g.outH * g.outW)) throw Err(o.Env(), fn, "inconsistent conv geometry");
  return g;
}

size_t InputLen(const LinearGeom& g) { return g.conv ? static_cast<size_t>(g.cin) * g.inH * g.inW : static_cast<size_t>(g.P) * g.K; }

std::vector<const float*> ImageList(const Napi::Object& o, const char* name, size_t len, const std::string& fn) {
  Napi::Value v = Field(o, name, fn);
  if (!v.IsArray()) throw Err(o.Env(), fn, std::string("'") + name + "' must be an array of Float32Array");
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<const float*> out;
  for (uint32_t i = 0; i < arr.Length(); i++)
    out.push_back(Typed<float, napi_float32_array>(arr.Get(i), len, std::string(name) + "[" + std::to_string(i) + "]", fn));
  return out;
}

// positions (Int32Array, or null = all P) → pointer and count; every index is checked
const int32_t* Positions(const Napi::Object& o, const LinearGeom& g, size_t* np, const std::string& fn) {
  Napi::Value v = o.Get("positions");
  if (v.IsUndefined() || v.IsNull()) {
    *np = g.P;
    return nullptr;
  }
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) throw Err(o.Env(), fn, "'positions' must be an Int32Array or null");
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  for (size_t j = 0; j < a.ElementLength(); j++)
    if (a[j] < 0 || static_cast<uint32_t>(a[j]) >= g.P) throw Err(o.Env(), fn, "sampled position out of range");
  *np = a.ElementLength();
  if (*np == 0) throw Err(o.Env(), fn, "no sampled positions");
  return a.Data();
}

eq::calib::CancelFlag* Cancel(const Napi::Object& o, const std::string& fn) {
  Napi::Value v = o.Get("cancel");
  if (v.IsUndefined() || v.IsNull()) return nullptr;
  return Typed<int32_t, napi_int32_array>(v, SIZE_MAX, "'cancel'", fn);
}

int Threads(const Napi::Object& o) {
  Napi::Value v = o.Get("threads");
  if (!v.IsNumber()) return 0;
  const int t = v.As<Napi::Number>().Int32Value();
  return t < 0 ? 0 : t;
}

// optional 'isa' (scalar, avx2, ...; absent or "auto": EQ_ISA or the best this CPU has)
eq::Isa IsaOption(const Napi::Object& o, const std::string& fn) {
  Napi::Value v = o.Get("isa");
  std::string want;
  if (!v.IsUndefined() && !v.IsNull()) {
    if (!v.IsString()) throw Err(o.Env(), fn, "'isa' must be a string");
    want = v.As<Napi::String>().Utf8Value();
  }
  eq::Isa isa;
  const eq::Status st = eq::ResolveIsa(want, &isa);
  if (!st.ok()) throw Err(o.Env(), fn, st.message());
  return isa;
}

// optional boolean (absent or null: false)
bool Flag(const Napi::Object& o, const char* name, const std::string& fn) {
  Napi::Value v = o.Get(name);
  if (v.IsUndefined() || v.IsNull()) return false;
  if (!v.IsBoolean()) throw Err(o.Env(), fn, std::string("'") + name + "' must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

int32_t Qmax(const Napi::Object& o, const std::string& fn) {
  const uint32_t q = U32(o, "qmax", fn);
  if (q < 7 || q > 127) throw Err(o.Env(), fn, "'qmax' must be 7..127");
  return static_cast<int32_t>(q);
}

// Runs `job` on a worker thread; resolves with `result(env, keep)`, built on the JS thread
// from the persistent `keep` object (napi_values of the calling scope are dead by then).
class Worker : public Napi::AsyncWorker {
 public:
  Worker(Napi::Env env, Napi::Object keep, std::function<eq::Status()> job, std::function<Napi::Value(Napi::Env, Napi::Object)> result)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), job_(std::move(job)), result_(std::move(result)) {
    keep_ = Napi::Persistent(keep);
  }
  void Execute() override {
    const eq::Status st = job_();
    if (!st.ok()) SetError(st.message());
  }
  // Settling runs in a libuv callback. If the JS environment is being torn down (the app ends a
  // worker thread once its result is posted), building the result or settling the promise
  // fails, and an error escaping here would reach node-addon-api's rethrow outside any JS frame:
  // std::terminate for the whole process (a CI e2e run, stop 27). Nothing can receive the
  // result then, so the error is dropped; in a live environment it rejects the promise.
  void OnOK() override {
    try {
      deferred_.Resolve(result_(Env(), keep_.Value()));
    } catch (const Napi::Error& e) {
      Settle(e);
    }
  }
  void OnError(const Napi::Error& e) override { Settle(e); }
  Napi::Promise Promise() { return deferred_.Promise(); }

 private:
  void Settle(const Napi::Error& e) {
    try {
      deferred_.Reject(e.Value());
    } catch (const Napi::Error&) {
      // the environment is terminating: no promise can settle any more
    }
  }

  Napi::Promise::Deferred deferred_;
  std::function<eq::Status()> job_;
  std::function<Napi::Value(Napi::Env, Napi::Object)> result_;
  Napi::ObjectReference keep_;
};

Napi::Object Opts(const Napi::CallbackInfo& info, const std::string& fn) {
  if (info.Length() < 1 || !info[0].IsObject()) throw Err(info.Env(), fn, "expected one options object");
  return info[0].As<Napi::Object>();
}

Napi::Value WeightSearch(const Napi::CallbackInfo& info) {
  const std::string fn = "calibWeightSearch";
  Napi::Env env = info.Env();
  Napi::Object o = Opts(info, fn);
  auto a = std::make_shared<eq::calib::WeightSearchArgs>();
  a->g = Geom(o, fn);
  a->positions = Positions(o, a->g, &a->np, fn);
  auto xs = std::make_shared<std::vector<const float*>>(ImageList(o, "xs", InputLen(a->g), fn));
  auto O = std::make_shared<std::vector<const float*>>(ImageList(o, "O", static_cast<size_t>(a->g.cout) * a->np, fn));
  if (xs->empty() || xs->size() != O->size()) throw Err(env, fn, "'xs' and 'O' must hold the same number (>= 1) of images");
  a->images = xs->size();
  a->xs = xs->data();
  a->O = O->data();
  a->a_scale = static_cast<float>(Num(o, "aScale", fn));
  a->unsigned_input = Flag(o, "unsigned", fn);
  a->qmax = Qmax(o, fn);
  a->w_rows = Typed<float, napi_float32_array>(Field(o, "wRows", fn), static_cast<size_t>(a->g.cout) * a->g.K, "'wRows'", fn);
  a->bias = Typed<float, napi_float32_array>(Field(o, "bias", fn), a->g.cout, "'bias'", fn);
  a->init = Typed<double, napi_float64_array>(Field(o, "init", fn), a->g.cout, "'init'", fn);
  a->current = Typed<double, napi_float64_array>(Field(o, "current", fn), a->g.cout, "'current'", fn);
  Napi::Value grid = Field(o, "grid", fn);
  a->grid = Typed<double, napi_float64_array>(grid, SIZE_MAX, "'grid'", fn);
  a->ngrid = grid.As<Napi::Float64Array>().ElementLength();
  a->per_channel_grid = o.Get("gridPerChannel").ToBoolean().Value();
  if (a->per_channel_grid) {
    if (a->ngrid % a->g.cout != 0) throw Err(env, fn, "a per-channel grid needs cout * n factors");
    a->ngrid /= a->g.cout;
  }
  if (a->ngrid == 0) throw Err(env, fn, "empty grid");
  a->threads = Threads(o);
  a->isa = IsaOption(o, fn);
  a->cancel = Cancel(o, fn);
  Napi::Float64Array scales = Napi::Float64Array::New(env, a->g.cout);
  Napi::Float64Array best = Napi::Float64Array::New(env, a->g.cout);
  a->out_scales = scales.Data();
  a->out_best = best.Data();
  Napi::Object keep = Napi::Object::New(env);
  keep.Set("o", o);
  keep.Set("scales", scales);
  keep.Set("best", best);
  Worker* w = new Worker(
      env, keep, [a, xs, O] { return eq::calib::WeightSearch(*a); },
      [](Napi::Env e, Napi::Object k) {
        Napi::Object r = Napi::Object::New(e);
        r.Set("scales", k.Get("scales"));
        r.Set("best", k.Get("best"));
        return static_cast<Napi::Value>(r);
      });
  w->Queue();
  return w->Promise();
}

Napi::Value GroupCosines(const Napi::CallbackInfo& info) {
  const std::string fn = "calibGroupCosines";
  Napi::Env env = info.Env();
  Napi::Object o = Opts(info, fn);
  auto a = std::make_shared<eq::calib::ObjectiveArgs>();
  Napi::Value lv = Field(o, "layers", fn);
  if (!lv.IsArray() || lv.As<Napi::Array>().Length() == 0) throw Err(env, fn, "'layers' must be a non-empty array");
  Napi::Array la = lv.As<Napi::Array>();
  auto Os = std::make_shared<std::vector<std::vector<const float*>>>();
  size_t in_len = 0;
  for (uint32_t l = 0; l < la.Length(); l++) {
    if (!la.Get(l).IsObject()) throw Err(env, fn, "'layers' entries must be objects");
    Napi::Object lo = la.Get(l).As<Napi::Object>();
    eq::calib::ObjectiveLayer ly;
    ly.g = Geom(lo, fn);
    if (l == 0) in_len = InputLen(ly.g);
    else if (InputLen(ly.g) != in_len) throw Err(env, fn, "the layers of a group must read inputs of one size");
    ly.positions = Positions(lo, ly.g, &ly.np, fn);
    ly.wq = Typed<int8_t, napi_int8_array>(Field(lo, "wq", fn), static_cast<size_t>(ly.g.cout) * ly.g.K, "'wq'", fn);
    ly.w_scales = Typed<double, napi_float64_array>(Field(lo, "wScales", fn), ly.g.cout, "'wScales'", fn);
    ly.bias = Typed<float, napi_float32_array>(Field(lo, "bias", fn), ly.g.cout, "'bias'", fn);
    Os->push_back(ImageList(lo, "O", static_cast<size_t>(ly.g.cout) * ly.np, fn));
    a->layers.push_back(ly);
  }
  auto xs = std::make_shared<std::vector<const float*>>(ImageList(o, "xs", in_len, fn));
  a->images = xs->size();
  if (a->images == 0) throw Err(env, fn, "no images");
  for (size_t l = 0; l < a->layers.size(); l++) {
    if ((*Os)[l].size() != a->images) throw Err(env, fn, "every layer needs one O per image");
    a->layers[l].O = (*Os)[l].data();
  }
  a->xs = xs->data();
  Napi::Value sv = Field(o, "scales", fn);
  a->scales = Typed<double, napi_float64_array>(sv, SIZE_MAX, "'scales'", fn);
  a->nscales = sv.As<Napi::Float64Array>().ElementLength();
  if (a->nscales == 0) throw Err(env, fn, "no candidate scales");
  a->unsigned_input = Flag(o, "unsigned", fn);
  a->qmax = Qmax(o, fn);
  a->threads = Threads(o);
  a->isa = IsaOption(o, fn);
  a->cancel = Cancel(o, fn);
  Napi::Float64Array out = Napi::Float64Array::New(env, a->nscales * a->layers.size() * a->images);
  a->out_cos = out.Data();
  Napi::Object keep = Napi::Object::New(env);
  keep.Set("o", o);
  keep.Set("out", out);
  Worker* w = new Worker(
      env, keep, [a, xs, Os] { return eq::calib::GroupObjectiveCosines(*a); }, [](Napi::Env, Napi::Object k) { return k.Get("out"); });
  w->Queue();
  return w->Promise();
}

Napi::Value LayerForward(const Napi::CallbackInfo& info) {
  const std::string fn = "calibLayerForward";
  Napi::Env env = info.Env();
  Napi::Object o = Opts(info, fn);
  auto a = std::make_shared<eq::calib::ForwardArgs>();
  a->g = Geom(o, fn);
  auto xs = std::make_shared<std::vector<const float*>>(ImageList(o, "xs", InputLen(a->g), fn));
  Napi::Value ov = Field(o, "outs", fn);
  if (!ov.IsArray()) throw Err(env, fn, "'outs' must be an array of Float32Array");
  Napi::Array oa = ov.As<Napi::Array>();
  auto outs = std::make_shared<std::vector<float*>>();
  for (uint32_t i = 0; i < oa.Length(); i++)
    outs->push_back(Typed<float, napi_float32_array>(oa.Get(i), static_cast<size_t>(a->g.cout) * a->g.P, "outs[" + std::to_string(i) + "]", fn));
  if (xs->empty() || xs->size() != outs->size()) throw Err(env, fn, "'xs' and 'outs' must hold the same number (>= 1) of images");
  a->images = xs->size();
  a->xs = xs->data();
  a->outs = outs->data();
  a->a_scale = static_cast<float>(Num(o, "aScale", fn));
  a->unsigned_input = Flag(o, "unsigned", fn);
  a->qmax = Qmax(o, fn);
  a->wq = Typed<int8_t, napi_int8_array>(Field(o, "wq", fn), static_cast<size_t>(a->g.cout) * a->g.K, "'wq'", fn);
  a->w_scales = Typed<double, napi_float64_array>(Field(o, "wScales", fn), a->g.cout, "'wScales'", fn);
  a->bias = Typed<float, napi_float32_array>(Field(o, "bias", fn), a->g.cout, "'bias'", fn);
  a->threads = Threads(o);
  a->isa = IsaOption(o, fn);
  a->cancel = Cancel(o, fn);
  Worker* w = new Worker(
      env, o, [a, xs, outs] { return eq::calib::LayerForward(*a); }, [](Napi::Env e, Napi::Object) { return e.Undefined(); });
  w->Queue();
  return w->Promise();
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object r = Napi::Object::New(env);
  r.Set("isa", eq::IsaName(eq::DetectIsa()));
  r.Set("gemmInt8", eq::calib::ForwardKernelName(127));
  r.Set("gemmInt7", eq::calib::ForwardKernelName(63));
  r.Set("threads", eq::AffinityCpuCount());
  r.Set("isas", eq::AvailableIsas());
  return r;
}

}  // namespace

// Called once from the module's Init (addon.cc).
void RegisterCalibFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("calibWeightSearch", Napi::Function::New(env, WeightSearch, "calibWeightSearch"));
  exports.Set("calibGroupCosines", Napi::Function::New(env, GroupCosines, "calibGroupCosines"));
  exports.Set("calibLayerForward", Napi::Function::New(env, LayerForward, "calibLayerForward"));
  exports.Set("calibInfo", Napi::Function::New(env, Info, "calibInfo"));
}
