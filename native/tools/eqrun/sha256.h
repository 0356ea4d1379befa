// SHA-256 (FIPS 180-4), used to verify pushed files on the device. Streaming interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace eqrun {

class Sha256 {
 public:
  Sha256();
  void Update(const uint8_t* data, size_t n);
  std::string HexDigest();  // finalises; call once

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

// sha256 of a whole file as lowercase hex; false if it cannot be read.
bool Sha256File(const std::string& path, std::string* hex);

}  // namespace eqrun
