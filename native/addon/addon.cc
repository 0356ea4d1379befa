// Node-API binding of the EQM runtime (node-addon-api). The core (native/src) has no Node
// dependency; this file only converts arguments and results and turns Status errors into
// JS Errors.
//
//   loadModel(bytes: Uint8Array, options?: {threads, isa, autotune, convAlgo}) → handle
//                                                         (throws Error with the loader's message)
//   run(handle, input: Float32Array, dims: number[]) → Float32Array[]
//   runWithTaps(handle, input, dims) → { outputs, taps: {layer: Float32Array}, int8: {layer: Int8Array} }
//   info(handle) → { input, outputs, qmax, opset, ops, layers }
//   profile(handle) → { isa, threads, ops: [{ name, kind, kernel, work, totalMs, calls, threads, tuned }] }
//   resetProfile(handle)
//   version() → { eqm: 1, kernels, detectedIsa, availableIsas, affinityCpus }
#include <napi.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "format/eqm_loader.h"
#include "runtime/session.h"
#include "calib_addon.h"

namespace {

// Tags the handle object so run() cannot be fed an arbitrary External.
const napi_type_tag kSessionTag = {0x7a1c5e0b9d3f4e21ULL, 0x8b6d2c4f1e0a9573ULL};

struct Handle {
  std::unique_ptr<eq::Session> session;
};

eq::Session* GetSession(const Napi::Env& env, const Napi::Value& v) {
  if (!v.IsExternal()) throw Napi::TypeError::New(env, "expected a model handle from loadModel()");
  Napi::External<Handle> ext = v.As<Napi::External<Handle>>();
  if (!ext.CheckTypeTag(&kSessionTag)) throw Napi::TypeError::New(env, "expected a model handle from loadModel()");
  Handle* h = ext.Data();
  if (!h || !h->session) throw Napi::Error::New(env, "the model handle has been released");
  return h->session.get();
}

Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "loadModel: expected the EQM bytes as a Uint8Array or Buffer");
  Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  eq::SessionOptions opts;
  if (info.Length() > 1 && !info[1].IsUndefined() && !info[1].IsNull()) {
    if (!info[1].IsObject()) throw Napi::TypeError::New(env, "loadModel: options must be an object");
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Has("threads") && !o.Get("threads").IsUndefined()) {
      Napi::Value t = o.Get("threads");
      if (!t.IsNumber() || std::floor(t.As<Napi::Number>().DoubleValue()) != t.As<Napi::Number>().DoubleValue())
        throw Napi::TypeError::New(env, "loadModel: options.threads must be an integer");
      opts.threads = t.As<Napi::Number>().Int32Value();
    }
    if (o.Has("isa") && !o.Get("isa").IsUndefined()) opts.isa = o.Get("isa").ToString().Utf8Value();
    if (o.Has("autotune") && !o.Get("autotune").IsUndefined()) opts.autotune = o.Get("autotune").ToBoolean().Value();
    if (o.Has("convAlgo") && !o.Get("convAlgo").IsUndefined()) opts.conv_algo = o.Get("convAlgo").ToString().Utf8Value();
  }
  std::unique_ptr<eq::Model> model;
  eq::Status st = eq::LoadEqm(bytes.Data(), bytes.ByteLength(), &model);
  if (!st.ok()) throw Napi::Error::New(env, st.message());
  std::unique_ptr<Handle> h(new Handle());
  st = eq::Session::Create(std::move(model), opts, &h->session);
  if (!st.ok()) throw Napi::Error::New(env, st.message());
  Napi::External<Handle> ext = Napi::External<Handle>::New(env, h.release(), [](Napi::Env, Handle* p) { delete p; });
  ext.TypeTag(&kSessionTag);
  return ext;
}

std::vector<int64_t> ReadDims(const Napi::Env& env, const Napi::Value& v) {
  if (!v.IsArray()) throw Napi::TypeError::New(env, "run: dims must be an array of integers");
  Napi::Array a = v.As<Napi::Array>();
  if (a.Length() > 8) throw Napi::RangeError::New(env, "run: dims has more than 8 entries");
  std::vector<int64_t> dims;
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value e = a.Get(i);
    if (!e.IsNumber()) throw Napi::TypeError::New(env, "run: dims must be an array of integers");
    const double d = e.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 2147483647.0) || d != std::floor(d)) throw Napi::RangeError::New(env, "run: dims must be non-negative integers");
    dims.push_back(static_cast<int64_t>(d));
  }
  return dims;
}

eq::Session* RunCommon(const Napi::CallbackInfo& info, bool taps) {
  Napi::Env env = info.Env();
  if (info.Length() < 3) throw Napi::TypeError::New(env, "run: expected (handle, input: Float32Array, dims: number[])");
  eq::Session* s = GetSession(env, info[0]);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(env, "run: the input must be a Float32Array");
  Napi::Float32Array input = info[1].As<Napi::Float32Array>();
  std::vector<int64_t> dims = ReadDims(env, info[2]);
  s->EnableTaps(taps);
  eq::Status st = s->Run(input.Data(), dims.data(), dims.size(), input.ElementLength());
  if (!st.ok()) throw Napi::Error::New(env, st.message());
  return s;
}

Napi::Array Outputs(const Napi::Env& env, eq::Session* s) {
  const eq::Model& m = s->model();
  Napi::Array out = Napi::Array::New(env, m.outputs.size());
  for (size_t i = 0; i < m.outputs.size(); i++) {
    const size_t n = static_cast<size_t>(m.tensors[m.outputs[i]].numel);
    Napi::Float32Array a = Napi::Float32Array::New(env, n);
    std::memcpy(a.Data(), s->OutputData(i), n * sizeof(float));
    out.Set(static_cast<uint32_t>(i), a);
  }
  return out;
}

Napi::Value Run(const Napi::CallbackInfo& info) {
  eq::Session* s = RunCommon(info, false);
  return Outputs(info.Env(), s);
}

Napi::Value RunWithTaps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eq::Session* s = RunCommon(info, true);
  const eq::Model& m = s->model();
  Napi::Object res = Napi::Object::New(env);
  res.Set("outputs", Outputs(env, s));
  Napi::Object taps = Napi::Object::New(env);
  Napi::Object int8 = Napi::Object::New(env);
  for (const eq::LayerTap& t : s->taps()) {
    Napi::Float32Array a = Napi::Float32Array::New(env, t.pre.size());
    if (!t.pre.empty()) std::memcpy(a.Data(), t.pre.data(), t.pre.size() * sizeof(float));
    taps.Set(t.layer, a);
    if (!t.q.empty()) {
      Napi::Int8Array q = Napi::Int8Array::New(env, t.q.size());
      std::memcpy(q.Data(), t.q.data(), t.q.size());
      int8.Set(t.layer, q);
    }
  }
  res.Set("taps", taps);
  res.Set("int8", int8);
  return res;
}

Napi::Array DimsArray(const Napi::Env& env, const std::vector<int64_t>& d) {
  Napi::Array a = Napi::Array::New(env, d.size());
  for (size_t i = 0; i < d.size(); i++) a.Set(static_cast<uint32_t>(i), Napi::Number::New(env, static_cast<double>(d[i])));
  return a;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1) throw Napi::TypeError::New(env, "info: expected a model handle");
  eq::Session* s = GetSession(env, info[0]);
  const eq::Model& m = s->model();
  Napi::Object res = Napi::Object::New(env);
  auto tensor = [&](int32_t idx) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", m.tensors[idx].name);
    o.Set("dims", DimsArray(env, m.tensors[idx].dims));
    return o;
  };
  res.Set("input", tensor(m.input));
  Napi::Array outs = Napi::Array::New(env, m.outputs.size());
  for (size_t i = 0; i < m.outputs.size(); i++) outs.Set(static_cast<uint32_t>(i), tensor(m.outputs[i]));
  res.Set("outputs", outs);
  res.Set("qmax", m.qmax);
  res.Set("opset", m.opset);
  Napi::Array ops = Napi::Array::New(env, m.ops.size());
  Napi::Array layers = Napi::Array::New(env);
  uint32_t nl = 0;
  for (size_t k = 0; k < m.ops.size(); k++) {
    const eq::Op& op = m.ops[k];
    Napi::Object o = Napi::Object::New(env);
    o.Set("kind", eq::OpKindName(op.kind));
    o.Set("name", op.name);
    if (op.kind == eq::OpKind::kFloat) o.Set("opType", op.fn.op_type);
    ops.Set(static_cast<uint32_t>(k), o);
    if (op.kind == eq::OpKind::kQLinear) layers.Set(nl++, op.name);
  }
  res.Set("ops", ops);
  res.Set("layers", layers);
  return res;
}

Napi::Value Profile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  eq::Session* s = GetSession(env, info.Length() ? info[0] : env.Undefined());
  Napi::Object res = Napi::Object::New(env);
  res.Set("isa", eq::IsaName(s->isa()));
  res.Set("threads", s->threads());
  const std::vector<eq::OpProfile>& prof = s->profile();
  Napi::Array ops = Napi::Array::New(env, prof.size());
  for (size_t k = 0; k < prof.size(); k++) {
    const eq::OpProfile& p = prof[k];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", p.name);
    o.Set("kind", p.kind);
    o.Set("kernel", p.kernel);
    o.Set("work", static_cast<double>(p.work));
    o.Set("totalMs", static_cast<double>(p.total_ns) / 1e6);
    o.Set("calls", static_cast<double>(p.calls));
    o.Set("threads", p.threads);
    Napi::Array tuned = Napi::Array::New(env, p.tuned.size());
    for (size_t i = 0; i < p.tuned.size(); i++) {
      Napi::Object t = Napi::Object::New(env);
      t.Set("kernel", p.tuned[i].first);
      t.Set("us", p.tuned[i].second);
      tuned.Set(static_cast<uint32_t>(i), t);
    }
    o.Set("tuned", tuned);
    ops.Set(static_cast<uint32_t>(k), o);
  }
  res.Set("ops", ops);
  return res;
}

Napi::Value ResetProfile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  GetSession(env, info.Length() ? info[0] : env.Undefined())->ResetProfile();
  return env.Undefined();
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("eqm", 1);
  o.Set("kernels", eq::AvailableIsas());
  o.Set("detectedIsa", eq::IsaName(eq::DetectIsa()));
  o.Set("availableIsas", eq::AvailableIsas());
  o.Set("affinityCpus", eq::AffinityCpuCount());
  return o;
}

// Converts C++ exceptions that are not Napi::Error (e.g. std::bad_alloc) into JS Errors.
template <Napi::Value (*F)(const Napi::CallbackInfo&)>
Napi::Value Guard(const Napi::CallbackInfo& info) {
  try {
    return F(info);
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), "out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("loadModel", Napi::Function::New(env, Guard<LoadModel>, "loadModel"));
  exports.Set("run", Napi::Function::New(env, Guard<Run>, "run"));
  exports.Set("runWithTaps", Napi::Function::New(env, Guard<RunWithTaps>, "runWithTaps"));
  exports.Set("info", Napi::Function::New(env, Guard<Info>, "info"));
  exports.Set("profile", Napi::Function::New(env, Guard<Profile>, "profile"));
  exports.Set("resetProfile", Napi::Function::New(env, Guard<ResetProfile>, "resetProfile"));
  exports.Set("version", Napi::Function::New(env, Guard<Version>, "version"));
  RegisterCalibFunctions(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(eqm_native, Init)
