// The geometry of one depthwise-convolution test case (channels [c0, c1) of C) and its
// description in failure messages, shared by the depthwise kernel tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace eqtest {

struct DwCase {
  uint32_t inH = 0, inW = 0, kh = 0, kw = 0, sh = 1, sw = 1, dh = 1, dw = 1, padT = 0, padL = 0, padB = 0, padR = 0;
  size_t C = 0, c0 = 0, c1 = 0;
  uint32_t spanH() const { return (kh - 1) * dh + 1; }
  uint32_t spanW() const { return (kw - 1) * dw + 1; }
  bool valid() const { return inH + padT + padB >= spanH() && inW + padL + padR >= spanW(); }
  uint32_t outH() const { return (inH + padT + padB - spanH()) / sh + 1; }
  uint32_t outW() const { return (inW + padL + padR - spanW()) / sw + 1; }
  size_t P() const { return static_cast<size_t>(outH()) * outW(); }
};

inline std::string DescribeDw(const DwCase& c) {
  return "in=" + std::to_string(c.inH) + "x" + std::to_string(c.inW) + " k=" + std::to_string(c.kh) + "x" + std::to_string(c.kw) + " s=" +
         std::to_string(c.sh) + "," + std::to_string(c.sw) + " d=" + std::to_string(c.dh) + "," + std::to_string(c.dw) + " pad=" +
         std::to_string(c.padT) + "," + std::to_string(c.padL) + "," + std::to_string(c.padB) + "," + std::to_string(c.padR) + " C=" +
         std::to_string(c.C) + " [" + std::to_string(c.c0) + "," + std::to_string(c.c1) + ")";
}

}  // namespace eqtest
