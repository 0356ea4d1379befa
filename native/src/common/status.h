// Status: error code + message, returned by the loader, the kernels and the session.
// The core never throws and never aborts on bad input.
#pragma once

#include <string>
#include <utility>

namespace eq {

enum class StatusCode : int {
  kOk = 0,
  kInvalidFile = 1,      // malformed or corrupted EQM file
  kUnsupported = 2,      // valid file, but something this runtime does not implement
  kInvalidArgument = 3,  // bad run() arguments (input size, dims)
  kRuntimeError = 4,     // e.g. int32 accumulator overflow
  kOutOfMemory = 5,
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidFile(std::string msg) { return Status(StatusCode::kInvalidFile, "invalid EQM file: " + std::move(msg)); }
inline Status Unsupported(std::string msg) { return Status(StatusCode::kUnsupported, "unsupported: " + std::move(msg)); }
inline Status InvalidArgument(std::string msg) { return Status(StatusCode::kInvalidArgument, std::move(msg)); }
inline Status RuntimeError(std::string msg) { return Status(StatusCode::kRuntimeError, std::move(msg)); }

#define EQ_RETURN_IF_ERROR(expr)        \
  do {                                  \
    ::eq::Status _st = (expr);          \
    if (!_st.ok()) return _st;          \
  } while (0)

}  // namespace eq
