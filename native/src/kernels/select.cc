// Run-time kernel selection: the best compiled-in kernel the requested ISA level allows.
#include "kernels/dwconv_s8.h"
#include "kernels/f32_kernels.h"
#include "kernels/igemm.h"
#include "kernels/kernels.h"
#include "kernels/matmul_f32.h"

namespace eq {
namespace kernels {
namespace {

// Candidates best first. Null entries (kernels a folder does not implement yet) are skipped.
size_t Candidates(const IGemmKernel** out) {
  size_t n = 0;
#if defined(EQ_HAVE_AMX)
  out[n++] = IGemmAmx();
#endif
#if defined(EQ_HAVE_AVX512VNNI)
  out[n++] = IGemmAvx512Vnni();
#endif
#if defined(EQ_HAVE_AVX2)
  out[n++] = IGemmAvx2Int7();
  out[n++] = IGemmAvx2Int8();
#endif
#if defined(EQ_HAVE_DOTPROD)
  out[n++] = IGemmDotprod();
#endif
#if defined(EQ_HAVE_NEON)
  out[n++] = IGemmNeonInt7();
  out[n++] = IGemmNeonInt8();
#endif
  out[n++] = IGemmScalar();
  return n;
}

bool Allowed(Isa kernel, Isa level) {
  if (kernel == Isa::kScalar) return true;
  const bool kx86 = static_cast<int>(kernel) < 10, lx86 = static_cast<int>(level) < 10;
  return kx86 == lx86 && static_cast<int>(kernel) <= static_cast<int>(level) && IsaAvailable(kernel);
}

}  // namespace

const IGemmKernel* SelectIGemm(Isa isa, int32_t qmax) {
  const IGemmKernel* c[16];
  const size_t n = Candidates(c);
  for (size_t i = 0; i < n; i++)
    if (c[i] && Allowed(c[i]->isa, isa) && qmax <= c[i]->max_qmax) return c[i];
  return IGemmScalar();
}

size_t ListIGemm(int32_t qmax, const IGemmKernel** out, size_t cap) {
  const IGemmKernel* c[16];
  const size_t n = Candidates(c);
  size_t k = 0;
  for (size_t i = 0; i < n && k < cap; i++)
    if (c[i] && IsaAvailable(c[i]->isa) && qmax <= c[i]->max_qmax) out[k++] = c[i];
  return k;
}

const DwConvKernel* SelectDwConv(Isa isa, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw) {
  const DwConvKernel* c[4];
  size_t n = 0;
#if defined(EQ_HAVE_AVX512VNNI)
  c[n++] = DwConvAvx512();
#endif
#if defined(EQ_HAVE_AVX2)
  c[n++] = DwConvAvx2();
#endif
#if defined(EQ_HAVE_NEON)
  c[n++] = DwConvNeon();
#endif
  for (size_t i = 0; i < n; i++)
    if (c[i] && Allowed(c[i]->isa, isa) && c[i]->supports(kh, kw, sh, sw, dh, dw)) return c[i];
  return DwConvScalar();
}

DwConvS8Fn SelectDwConvS8(Isa isa, uint32_t kh, uint32_t kw, uint32_t sh, uint32_t sw, uint32_t dh, uint32_t dw, int32_t qmax) {
#if defined(EQ_HAVE_AVX512VNNI)
  if (Allowed(Isa::kAvx512Vnni, isa) && DwConvAvx512()->supports(kh, kw, sh, sw, dh, dw)) return DwConvS8Avx512;
#endif
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa) && qmax <= 63 && DwInt7Geometry(kh, kw, sh, sw, dh, dw)) return DwConvS8Avx2Int7;
  if (Allowed(Isa::kAvx2, isa) && DwConvAvx2()->supports(kh, kw, sh, sw, dh, dw)) return DwConvS8Avx2;
#endif
  (void)isa, (void)kh, (void)kw, (void)sh, (void)sw, (void)dh, (void)dw, (void)qmax;
  return nullptr;
}

const char* DwConvS8Name(DwConvS8Fn fn) {
#if defined(EQ_HAVE_AVX2)
  if (fn == DwConvS8Avx2Int7) return "dw-avx2-int7-maddubs";
#endif
  (void)fn;
  return nullptr;
}

MaxPoolFn SelectMaxPool(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return MaxPoolS8PlanesAvx2;
#endif
#if defined(EQ_HAVE_NEON)
  if (Allowed(Isa::kNeon, isa)) return MaxPoolS8PlanesNeon;
#endif
  (void)isa;
  return MaxPoolS8Planes;
}

OutputStageS8Fn SelectOutputStageS8(Isa isa) {
#if defined(EQ_HAVE_AVX512VNNI)
  if (Allowed(Isa::kAvx512Vnni, isa)) return OutputStageS8Avx512;
#endif
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return OutputStageS8Avx2;
#endif
#if defined(EQ_HAVE_NEON)
  if (Allowed(Isa::kNeon, isa)) return OutputStageS8Neon;
#endif
  (void)isa;
  return OutputStageS8;
}

Im2ColBlockFn SelectIm2ColBlock(Isa isa) {
#if defined(EQ_HAVE_NEON)
  if (Allowed(Isa::kNeon, isa)) return Im2ColS8BlockNeon;
#endif
#if defined(EQ_HAVE_AVX512VNNI)
  if (Allowed(Isa::kAvx512Vnni, isa) && CpuHasAvx512Vbmi()) return Im2ColS8BlockVbmi;
#endif
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return Im2ColS8BlockAvx2;
#endif
  (void)isa;
  return Im2ColS8Block;
}

QuantizeFn SelectQuantize(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return QuantizeF32ToS8Avx2;
#endif
  (void)isa;
  return QuantizeF32ToS8;
}

AddFn SelectAdd(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return AddS8Avx2;
#endif
  (void)isa;
  return AddS8;
}

RequantizeFn SelectRequantize(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return RequantizeS8Avx2;
#endif
  (void)isa;
  return RequantizeS8;
}

DequantizeFn SelectDequantize(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return DequantizeS8ToF32Avx2;
#endif
  (void)isa;
  return DequantizeS8ToF32;
}

MulScaleFn SelectMulScale(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return MulScaleS8Avx2;
#endif
  (void)isa;
  return MulScaleS8;
}

ResizeHRowFn SelectResizeHRow(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return ResizeHRowS8Avx2;
#endif
  (void)isa;
  return ResizeHRowS8;
}

ResizeVRowFn SelectResizeVRow(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return ResizeVRowS8Avx2;
#endif
  (void)isa;
  return ResizeVRowS8;
}

OutputStageF32Fn SelectOutputStageF32(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return OutputStageF32Avx2;
#endif
  (void)isa;
  return OutputStageF32;
}

ConvTRowFn SelectConvTRowK2S2(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return ConvTRowK2S2Avx2;
#endif
  (void)isa;
  return ConvTRowK2S2;
}

ConvTRowSumFn SelectConvTRowK2S2Sum(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return ConvTRowK2S2SumAvx2;
#endif
  (void)isa;
  return ConvTRowK2S2Sum;
}

SigmoidF32Fn SelectSigmoidF32(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return SigmoidF32Avx2;
#endif
  (void)isa;
  return SigmoidF32;
}

SoftmaxRowF32Fn SelectSoftmaxRowF32(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return SoftmaxRowF32Avx2;
#endif
  (void)isa;
  return SoftmaxRowF32;
}

LutFn SelectLut(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return LutS8Avx2;
#endif
  (void)isa;
  return LutS8;
}

SumS8Fn SelectSumS8(Isa isa) {
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return SumS8Avx2;
#endif
  (void)isa;
  return SumS8;
}

MatMulF32Fn SelectMatMulF32(Isa isa) {
#if defined(EQ_HAVE_AVX512VNNI)
  if (Allowed(Isa::kAvx512Vnni, isa)) return MatMulF32Avx512;
#endif
#if defined(EQ_HAVE_AVX2)
  if (Allowed(Isa::kAvx2, isa)) return MatMulF32Avx2;
#endif
  (void)isa;
  return MatMulF32;
}

}  // namespace kernels
}  // namespace eq
