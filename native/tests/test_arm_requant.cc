// ARM int8 output stage (OutputStageS8Neon) bit-exact against the scalar one: row lengths that
// exercise every step (16, 8, 4 and the 1..3 padded tail), odd channel counts with a channel
// offset and a row pitch wider than np (GEMM column blocks), per-channel scales with exact .5
// products (round half to even), clamps to ±qmax for INT8 and INT7 and to ReLU / ReLU6-like
// ranges, accumulators far outside the clamp, the overflow report (also in a tail lane), and
// the fallbacks (tap, gemm layout). Also checks the dispatcher picks it at the NEON levels.
#if defined(EQ_HAVE_NEON)

#include <vector>

#include "eqtest.h"
#include "kernels/kernels.h"

using namespace eq::kernels;

EQ_TEST(arm_output_stage_neon_matches_scalar) {
  eqtest::Rng r(91);
  for (size_t np : {1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 19, 23, 28, 31, 33, 49, 169, 196}) {
    for (size_t nc : {1, 3, 7}) {
      std::vector<int32_t> acc(nc * (np + 2)), bias(nc + 2);
      std::vector<float> mult(nc + 2);
      std::vector<double> tap_mult(nc + 2, 1.0);
      // mostly in the clamp range (so rounding matters), some far outside it
      for (auto& a : acc) a = r.Uniform(0, 9) == 0 ? r.Uniform(-1000000000, 1000000000) : r.Uniform(-6000, 6000);
      for (size_t c = 0; c < nc + 2; c++) {
        bias[c] = r.Uniform(-1000, 1000);
        mult[c] = static_cast<float>(r.Uniform(1, 64)) / 256.0f;  // many exact .5 products
      }
      for (int32_t qmax : {127, 63})
        for (int32_t lo : {-qmax, 0, -20}) {
          const int32_t hi = lo == -20 ? 6 : qmax;  // a narrow clip range, as a ReLU6 gives
          OutputStage s{bias.data(), mult.data(), tap_mult.data(), lo, hi, false, 0, 0};
          // channel offset 1, position offset 2, accumulator pitch np + 2, output pitch np + 3
          std::vector<int8_t> want((nc + 1) * (np + 3) + 16, 0x5a), got = want;
          size_t b1 = 0, b2 = 0;
          EQ_EXPECT(OutputStageS8(acc.data(), np + 2, 1, nc, 2, np, s, want.data(), np + 3, 1, nullptr, &b1));
          EQ_EXPECT(OutputStageS8Neon(acc.data(), np + 2, 1, nc, 2, np, s, got.data(), np + 3, 1, nullptr, &b2));
          EQ_EXPECT(want == got) << "np=" << np << " nc=" << nc << " lo=" << lo << " hi=" << hi;
        }
    }
  }
}

EQ_TEST(arm_output_stage_neon_ties_round_to_even) {
  // acc * 0.5 lands exactly on .5 for every odd acc: -3.5 → -4, -2.5 → -2, ..., 2.5 → 2, 3.5 → 4
  const size_t np = 21;
  std::vector<int32_t> acc(np), bias{0};
  for (size_t j = 0; j < np; j++) acc[j] = static_cast<int32_t>(j) - 10;
  std::vector<float> mult{0.5f};
  std::vector<double> tap_mult{1.0};
  OutputStage s{bias.data(), mult.data(), tap_mult.data(), -127, 127, false, 0, 0};
  std::vector<int8_t> got(np);
  size_t bad = 0;
  EQ_EXPECT(OutputStageS8Neon(acc.data(), np, 0, 1, 0, np, s, got.data(), np, 1, nullptr, &bad));
  const int8_t want[21] = {-5, -4, -4, -4, -3, -2, -2, -2, -1, 0, 0, 0, 1, 2, 2, 2, 3, 4, 4, 4, 5};
  for (size_t j = 0; j < np; j++) EQ_EXPECT(got[j] == want[j]) << "acc=" << acc[j] << ": got " << int(got[j]) << ", want " << int(want[j]);
}

EQ_TEST(arm_output_stage_neon_reports_overflow) {
  for (size_t np : {3, 16, 21}) {
    const size_t nc = 5;
    std::vector<int32_t> acc(nc * np, 1000), bias(nc, 7);
    std::vector<float> mult(nc, 0.01f);
    std::vector<double> tap_mult(nc, 1.0);
    for (size_t last : {0, 1}) {
      std::vector<int32_t> big(acc);
      big[3 * np + (last ? np - 1 : 0)] = 2147483000;  // channel 3, first lane or tail lane
      std::vector<int32_t> b(bias);
      b[3] = 100000;
      OutputStage s{b.data(), mult.data(), tap_mult.data(), -127, 127, false, 0, 0};
      std::vector<int8_t> o(nc * np);
      size_t bad = 99;
      EQ_EXPECT(!OutputStageS8Neon(big.data(), np, 0, nc, 0, np, s, o.data(), np, 1, nullptr, &bad) && bad == 3) << "np=" << np << " last=" << last;
      big[3 * np + (last ? np - 1 : 0)] = -2147483000;  // negative overflow
      b[3] = -100000;
      bad = 99;
      EQ_EXPECT(!OutputStageS8Neon(big.data(), np, 0, nc, 0, np, s, o.data(), np, 1, nullptr, &bad) && bad == 3) << "np=" << np << " negative";
    }
  }
}

EQ_TEST(arm_output_stage_neon_fallback_layouts) {
  // gemm layout (pstride = cout) and a tap: the scalar stage's results
  eqtest::Rng r(92);
  const size_t nc = 6, np = 11;
  std::vector<int32_t> acc(nc * np), bias(nc);
  std::vector<float> mult(nc);
  std::vector<double> tap_mult(nc);
  for (auto& a : acc) a = r.Uniform(-300000, 300000);
  for (size_t c = 0; c < nc; c++) {
    bias[c] = r.Uniform(-500, 500);
    mult[c] = static_cast<float>(r.Uniform(1, 500)) / 65536.0f;
    tap_mult[c] = 1.0 / (c + 3);
  }
  OutputStage s{bias.data(), mult.data(), tap_mult.data(), 0, 63, false, 0, 0};
  std::vector<int8_t> want(nc * np, 0x5a), got = want;
  std::vector<float> tw(nc * np), tg(nc * np);
  size_t b = 0;
  EQ_EXPECT(OutputStageS8(acc.data(), np, 0, nc, 0, np, s, want.data(), 1, nc, nullptr, &b));
  EQ_EXPECT(OutputStageS8Neon(acc.data(), np, 0, nc, 0, np, s, got.data(), 1, nc, nullptr, &b));
  EQ_EXPECT(want == got) << "gemm layout";
  EQ_EXPECT(OutputStageS8(acc.data(), np, 0, nc, 0, np, s, want.data(), np, 1, tw.data(), &b));
  EQ_EXPECT(OutputStageS8Neon(acc.data(), np, 0, nc, 0, np, s, got.data(), np, 1, tg.data(), &b));
  EQ_EXPECT(want == got && tw == tg) << "with tap";
}

EQ_TEST(arm_output_stage_selected_at_neon_levels) {
  EQ_EXPECT(SelectOutputStageS8(eq::Isa::kScalar) == &OutputStageS8);
  EQ_EXPECT(SelectOutputStageS8(eq::Isa::kNeon) == &OutputStageS8Neon);
  if (eq::IsaAvailable(eq::Isa::kDotprod)) EQ_EXPECT(SelectOutputStageS8(eq::Isa::kDotprod) == &OutputStageS8Neon);
}

#endif
