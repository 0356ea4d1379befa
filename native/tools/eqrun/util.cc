#include "util.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "format/eqm_loader.h"

namespace eqrun {

void Fail(const std::string& message) { throw Error{message}; }

std::string Args::Get(const std::string& k, const std::string& def) const {
  auto it = options.find(k);
  return it == options.end() ? def : it->second;
}

long Args::GetInt(const std::string& k, long def, long lo, long hi) const {
  auto it = options.find(k);
  if (it == options.end()) return def;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != 0 || errno != 0 || v < lo || v > hi)
    Fail("--" + k + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + " (got '" + it->second + "')");
  return v;
}

Args ParseArgs(int argc, char** argv, int first, const std::vector<std::string>& flags, const std::vector<std::string>& valued) {
  Args a;
  for (int i = first; i < argc; i++) {
    const std::string s = argv[i];
    if (s.size() > 2 && s.compare(0, 2, "--") == 0) {
      std::string name = s.substr(2), value;
      const size_t eq = name.find('=');
      bool has_value = false;
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      bool is_flag = false, is_valued = false;
      for (const auto& f : flags) is_flag |= f == name;
      for (const auto& v : valued) is_valued |= v == name;
      if (!is_flag && !is_valued) Fail("unknown option --" + name);
      if (is_flag) {
        if (has_value) Fail("option --" + name + " takes no value");
        a.options[name] = "1";
      } else {
        if (!has_value) {
          if (i + 1 >= argc) Fail("option --" + name + " needs a value");
          value = argv[++i];
        }
        a.options[name] = value;
      }
    } else {
      a.positional.push_back(s);
    }
  }
  return a;
}

std::vector<uint8_t> ReadFile(const std::string& path, const char* what) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) Fail(std::string("cannot read ") + what + " " + path + ": " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) Fail(std::string("error reading ") + what + " " + path);
  return bytes;
}

void WriteFileAtomic(const std::string& path, const std::vector<uint8_t>& bytes) {
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) Fail("cannot write " + tmp + ": " + std::strerror(errno));
  const size_t n = bytes.empty() ? 0 : std::fwrite(bytes.data(), 1, bytes.size(), f);
  const int err = n != bytes.size() ? errno : 0;
  if (std::fclose(f) != 0 || err) {
    std::remove(tmp.c_str());
    Fail("cannot write " + path + ": " + std::strerror(err ? err : errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    Fail("cannot rename " + tmp + " to " + path + ": " + std::strerror(e));
  }
}

std::unique_ptr<eq::Session> OpenModel(const std::string& path, int threads, const std::string& isa, bool autotune) {
  std::vector<uint8_t> bytes = ReadFile(path, "model");
  if (bytes.empty()) Fail("model " + path + " is empty");
  std::unique_ptr<eq::Model> model;
  eq::Status st = eq::LoadEqm(bytes.data(), bytes.size(), &model);
  if (!st.ok()) Fail(path + ": " + st.message());
  std::unique_ptr<eq::Session> session;
  eq::SessionOptions opt;
  opt.threads = threads;
  opt.isa = isa;
  opt.autotune = autotune;
  st = eq::Session::Create(std::move(model), opt, &session);
  if (!st.ok()) Fail(path + ": " + st.message());
  return session;
}

std::string JsonString(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      o += b;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o + "\"";
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  char b[32];
  std::snprintf(b, sizeof b, "%.9g", v);
  return b;
}

}  // namespace eqrun
