// Small helpers shared by the eqrun subcommands: option parsing, file reading, JSON text.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/session.h"

namespace eqrun {

// Thrown for every user-facing error; main() prints "eqrun: <message>" and exits with 1.
struct Error {
  std::string message;
};
[[noreturn]] void Fail(const std::string& message);

// --name value / --flag options and positional arguments.
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
  bool Has(const std::string& k) const { return options.count(k) != 0; }
  std::string Get(const std::string& k, const std::string& def = "") const;
  long GetInt(const std::string& k, long def, long lo, long hi) const;
};
// `flags` lists the options that take no value.
Args ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags, const std::vector<std::string>& valued);

std::vector<uint8_t> ReadFile(const std::string& path, const char* what);
void WriteFileAtomic(const std::string& path, const std::vector<uint8_t>& bytes);

// Loads and validates an EQM model file and creates a session, or Fail()s with the reason.
// threads <= 0: every CPU of the affinity mask; isa "": the best this CPU runs (or EQ_ISA).
std::unique_ptr<eq::Session> OpenModel(const std::string& path, int threads, const std::string& isa, bool autotune);

std::string JsonString(const std::string& s);
std::string JsonNumber(double v);

}  // namespace eqrun
