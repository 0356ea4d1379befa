// Framing of the eqrun serial protocol (docs/deploy.md, "Serial protocol"). Little endian:
//
//   0  u8[2]  magic A5 51
//   2  u8     type
//   3  u8     header check: CRC-8 (poly 0x07) of bytes 2 and 4..11
//   4  u32    seq: byte offset for data frames, request id otherwise
//   8  u32    payload length (<= kMaxPayload)
//  12  ...    payload
//   .  u32    CRC-32 (IEEE) of bytes 2 .. end of payload
//
// The header check rejects a damaged length at once: without it, a length inflated by a bad
// byte made the decoder wait for bytes that a quiet direction (ACKs, keepalives) takes
// minutes to send. The decoder resynchronises on the magic after any bad header or CRC, and
// drops a partial frame when the line stays idle longer than the inter-byte timeout.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace eqrun {

constexpr uint8_t kMagic0 = 0xA5, kMagic1 = 0x51;
constexpr size_t kHeaderSize = 12, kTrailerSize = 4;
constexpr uint32_t kMaxPayload = 65536;

enum FrameType : uint8_t {
  kHello = 0x01, kHelloOk = 0x02,
  kExec = 0x10, kStdout = 0x11, kStderr = 0x12, kExit = 0x13, kFetch = 0x14, kStatus = 0x15,
  kOpen = 0x20, kOpenOk = 0x21, kData = 0x22, kAck = 0x23, kNak = 0x24, kCommit = 0x25, kCommitOk = 0x26,
  kHash = 0x27, kHashOk = 0x28, kRead = 0x29, kReadData = 0x2A,
  kKeepalive = 0x30, kError = 0x7E,
};

struct Frame {
  uint8_t type = 0;
  uint32_t seq = 0;
  std::vector<uint8_t> payload;
  std::string text() const { return std::string(payload.begin(), payload.end()); }
};

// CRC-8 (poly 0x07, init 0) of the header bytes 2 and 4..11 (h points at the magic).
uint8_t HeaderCheck(const uint8_t* h);

std::vector<uint8_t> EncodeFrame(uint8_t type, uint32_t seq, const uint8_t* payload, size_t n);

class FrameDecoder {
 public:
  // Appends bytes; complete valid frames are appended to `out`.
  void Push(const uint8_t* data, size_t n, std::vector<Frame>* out);
  // The line was idle for the inter-byte timeout with a partial frame pending: that frame's
  // header was damaged (e.g. a length too long). Drop its first byte and resynchronise on the
  // bytes behind it, which may hold complete frames.
  void Timeout(std::vector<Frame>* out);
  bool partial() const { return !buf_.empty(); }
  uint64_t bad_frames() const { return bad_; }

 private:
  std::vector<uint8_t> buf_;
  uint64_t bad_ = 0;
};

}  // namespace eqrun
