// `eqrun agent`: the device end of the serial protocol (frame layout in frame.h, protocol in
// docs/deploy.md). Single-threaded poll loop over the link and the pipes of a running command.
//
// Uploads go to a hidden partial file next to the target (".NAME.eqpart", with the expected
// sha256 in ".NAME.eqpart.sha"), so a cut transfer resumes where the device's partial file
// ends. COMMIT checks the sha256 and only then renames the partial file over the target: a
// command can never run a partially written file.
//
// The agent sends a cumulative ACK (during an upload) or a KEEPALIVE every 100 ms. Besides
// telling the host how far it got, this works around the @serialport/bindings-cpp 13 poller
// issue where a pending host write can stall while a read is also pending.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "commands.h"
#include "frame.h"
#include "sha256.h"
#include "util.h"

namespace eqrun {
namespace {

using Clock = std::chrono::steady_clock;
int64_t NowMs() { return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count(); }

std::vector<std::string> SplitNul(const std::vector<uint8_t>& p) {
  std::vector<std::string> out(1);
  for (uint8_t c : p) {
    if (c == 0) out.emplace_back();
    else out.back() += static_cast<char>(c);
  }
  return out;
}

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

struct Upload {
  bool active = false;
  std::string path, part, sha;
  uint64_t size = 0, expected = 0;
  unsigned mode = 0644;
  int fd = -1;
  int unacked = 0;
  int64_t last_nak_ms = 0;
  uint64_t last_nak_offset = ~0ull;
};

struct Exec {
  bool started = false, done = false;
  uint32_t id = 0;
  pid_t pid = -1;
  int out_fd = -1, err_fd = -1;
  std::string out, err;
  int code = 0, sig = 0;
};

class Agent {
 public:
  Agent(int in, int out) : in_(in), out_(out) {}
  int Loop();

 private:
  void Send(uint8_t type, uint32_t seq, const void* p = nullptr, size_t n = 0);
  void SendText(uint8_t type, uint32_t seq, const std::string& s) { Send(type, seq, s.data(), s.size()); }
  void Handle(const Frame& f);
  void OnOpen(const Frame& f);
  void OnData(const Frame& f);
  void OnCommit(const Frame& f);
  void OnHash(const Frame& f);
  void OnRead(const Frame& f);
  void OnExec(const Frame& f);
  void SendStream(uint8_t type, const std::string& s, size_t from);
  void SendExit();
  void ReadPipe(int* fd, std::string* buf, uint8_t type);
  void Nak();
  void CloseUpload();

  int in_, out_;
  bool link_ok_ = true;
  FrameDecoder dec_;
  Upload up_;
  Exec ex_;
};

void Agent::Send(uint8_t type, uint32_t seq, const void* p, size_t n) {
  const std::vector<uint8_t> f = EncodeFrame(type, seq, static_cast<const uint8_t*>(p), n);
  size_t off = 0;
  while (off < f.size() && link_ok_) {
    const ssize_t w = write(out_, f.data() + off, f.size() - off);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd pfd = {out_, POLLOUT, 0};
      poll(&pfd, 1, 100);
      continue;
    }
    if (w <= 0) {
      link_ok_ = false;
      break;
    }
    off += static_cast<size_t>(w);
  }
}

void Agent::CloseUpload() {
  if (up_.fd >= 0) close(up_.fd);
  up_ = Upload();
}

void Agent::Nak() {
  // one NAK per lost offset and round trip: the frames the host had in flight behind a lost
  // one all arrive out of order, and each NAK makes the host resend its whole window
  const int64_t now = NowMs();
  if (up_.expected == up_.last_nak_offset && now - up_.last_nak_ms < 300) return;
  up_.last_nak_ms = now;
  up_.last_nak_offset = up_.expected;
  Send(kNak, static_cast<uint32_t>(up_.expected));
}

void Agent::OnOpen(const Frame& f) {
  const auto a = SplitNul(f.payload);
  if (a.size() != 4 || a[0].empty()) return SendText(kError, f.seq, "bad OPEN request");
  CloseUpload();
  Upload u;
  u.path = a[0];
  u.size = std::strtoull(a[1].c_str(), nullptr, 10);
  u.sha = a[2];
  u.mode = static_cast<unsigned>(std::strtoul(a[3].c_str(), nullptr, 8)) & 0777;
  if (u.size >= 0xFFFFFFFFull) return SendText(kError, f.seq, u.path + ": files of 4 GiB or more cannot be sent over serial");
  const size_t slash = u.path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : u.path.substr(0, slash + 1);
  const std::string base = slash == std::string::npos ? u.path : u.path.substr(slash + 1);
  u.part = dir + "." + base + ".eqpart";
  // a partial file made for other content cannot be resumed
  std::string old_sha;
  if (FILE* s = std::fopen((u.part + ".sha").c_str(), "rb")) {
    char b[80] = {0};
    const size_t n = std::fread(b, 1, 64, s);
    old_sha.assign(b, n);
    std::fclose(s);
  }
  const bool resume = old_sha == u.sha;
  u.fd = open(u.part.c_str(), O_WRONLY | O_CREAT | (resume ? 0 : O_TRUNC), 0600);
  if (u.fd < 0) return SendText(kError, f.seq, Errno("cannot create " + u.part));
  if (!resume) {
    FILE* s = std::fopen((u.part + ".sha").c_str(), "wb");
    if (!s || std::fwrite(u.sha.data(), 1, u.sha.size(), s) != u.sha.size()) {
      const std::string msg = Errno("cannot write " + u.part + ".sha");
      if (s) std::fclose(s);
      close(u.fd);
      return SendText(kError, f.seq, msg);
    }
    if (std::fclose(s) != 0) {
      close(u.fd);
      return SendText(kError, f.seq, Errno("cannot write " + u.part + ".sha"));
    }
  }
  struct stat st {};
  fstat(u.fd, &st);
  u.expected = static_cast<uint64_t>(st.st_size);
  if (u.expected > u.size) {
    if (ftruncate(u.fd, 0) != 0) {
      close(u.fd);
      return SendText(kError, f.seq, Errno("cannot truncate " + u.part));
    }
    u.expected = 0;
  }
  u.active = true;
  up_ = u;
  SendText(kOpenOk, f.seq, std::to_string(up_.expected));  // payload: the offset to resume from
}

void Agent::OnData(const Frame& f) {
  if (!up_.active) return;
  if (f.seq < up_.expected) return;  // duplicate of something already written
  if (f.seq > up_.expected) return Nak();
  if (up_.expected + f.payload.size() > up_.size) {
    const std::string msg = up_.path + ": data past the announced size";
    CloseUpload();
    return SendText(kError, 0, msg);
  }
  size_t off = 0;
  while (off < f.payload.size()) {
    const ssize_t w = pwrite(up_.fd, f.payload.data() + off, f.payload.size() - off, static_cast<off_t>(up_.expected + off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const std::string msg = Errno("write " + up_.part);
      // keep what was written: the transfer can resume once the problem is fixed
      CloseUpload();
      return SendText(kError, 0, msg);
    }
    off += static_cast<size_t>(w);
  }
  up_.expected += f.payload.size();
  if (++up_.unacked >= 4 || up_.expected == up_.size) {
    up_.unacked = 0;
    Send(kAck, static_cast<uint32_t>(up_.expected));
  }
}

void Agent::OnCommit(const Frame& f) {
  const auto a = SplitNul(f.payload);
  if (a.size() != 2) return SendText(kError, f.seq, "bad COMMIT request");
  const std::string& path = a[0];
  const std::string& sha = a[1];
  if (!up_.active || up_.path != path) {
    // a retried COMMIT whose reply was lost: the file is already in place
    std::string have;
    if (Sha256File(path, &have) && have == sha) return SendText(kCommitOk, f.seq, have);
    return SendText(kError, f.seq, path + ": no upload in progress to commit");
  }
  if (up_.expected != up_.size) return SendText(kError, f.seq, path + ": only " + std::to_string(up_.expected) + " of " + std::to_string(up_.size) + " bytes received");
  if (fsync(up_.fd) != 0) {
    const std::string msg = Errno("fsync " + up_.part);
    CloseUpload();
    return SendText(kError, f.seq, msg);
  }
  close(up_.fd);
  up_.fd = -1;
  std::string have;
  const std::string part = up_.part;
  const unsigned mode = up_.mode;
  CloseUpload();
  if (!Sha256File(part, &have)) return SendText(kError, f.seq, Errno("cannot read back " + part));
  if (have != sha) {
    unlink(part.c_str());
    unlink((part + ".sha").c_str());
    return SendText(kError, f.seq, path + ": sha256 mismatch after upload (got " + have + ", expected " + sha + "); partial file discarded");
  }
  if (chmod(part.c_str(), mode) != 0) return SendText(kError, f.seq, Errno("chmod " + part));
  if (rename(part.c_str(), path.c_str()) != 0) return SendText(kError, f.seq, Errno("rename " + part + " to " + path));
  unlink((part + ".sha").c_str());
  SendText(kCommitOk, f.seq, have);
}

void Agent::OnHash(const Frame& f) {
  std::string have;
  if (!Sha256File(f.text(), &have)) have.clear();
  SendText(kHashOk, f.seq, have);
}

void Agent::OnRead(const Frame& f) {
  const auto a = SplitNul(f.payload);
  if (a.size() != 3) return SendText(kError, f.seq, "bad READ request");
  const uint64_t offset = std::strtoull(a[1].c_str(), nullptr, 10);
  uint64_t max = std::strtoull(a[2].c_str(), nullptr, 10);
  if (max > kMaxPayload - 16) max = kMaxPayload - 16;
  const int fd = open(a[0].c_str(), O_RDONLY);
  if (fd < 0) return SendText(kError, f.seq, Errno("cannot read " + a[0]));
  struct stat st {};
  fstat(fd, &st);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  std::vector<uint8_t> p(16);
  std::memcpy(p.data(), &size, 8);
  std::memcpy(p.data() + 8, &offset, 8);
  if (offset < size) {
    const uint64_t n = std::min<uint64_t>(max, size - offset);
    p.resize(16 + n);
    const ssize_t r = pread(fd, p.data() + 16, n, static_cast<off_t>(offset));
    if (r < 0) {
      close(fd);
      return SendText(kError, f.seq, Errno("read " + a[0]));
    }
    p.resize(16 + static_cast<size_t>(r));
  }
  close(fd);
  Send(kReadData, f.seq, p.data(), p.size());
}

void Agent::SendStream(uint8_t type, const std::string& s, size_t from) {
  for (size_t off = from; off < s.size(); off += 16384) Send(type, static_cast<uint32_t>(off), s.data() + off, std::min<size_t>(16384, s.size() - off));
}

void Agent::SendExit() {
  char b[160];
  std::snprintf(b, sizeof b, "{\"code\":%d,\"signal\":%d,\"stdout\":%zu,\"stderr\":%zu}", ex_.code, ex_.sig, ex_.out.size(), ex_.err.size());
  SendText(kExit, ex_.id, b);
}

void Agent::OnExec(const Frame& f) {
  if (ex_.started && f.seq == ex_.id) {  // retried request
    if (ex_.done) SendExit();
    return;
  }
  if (ex_.started && !ex_.done) return SendText(kError, f.seq, "another command is still running");
  auto argv_s = SplitNul(f.payload);
  if (argv_s.empty() || argv_s[0].empty()) return SendText(kError, f.seq, "EXEC needs a command");
  int po[2], pe[2];
  if (pipe(po) != 0) return SendText(kError, f.seq, Errno("pipe"));
  if (pipe(pe) != 0) {
    close(po[0]);
    close(po[1]);
    return SendText(kError, f.seq, Errno("pipe"));
  }
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {po[0], po[1], pe[0], pe[1]}) close(fd);
    return SendText(kError, f.seq, Errno("fork"));
  }
  if (pid == 0) {
    dup2(po[1], 1);
    dup2(pe[1], 2);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    for (int fd : {po[0], po[1], pe[0], pe[1], in_, out_, devnull})
      if (fd > 2) close(fd);
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(&s[0]);
    argv.push_back(nullptr);
    if (argv_s[0] == "eqrun") {
      // run our own subcommand in the child: works the same natively and under qemu-user
      const int rc = EqrunMain(static_cast<int>(argv_s.size()), argv.data());
      std::fflush(nullptr);
      _exit(rc);
    }
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "eqrun agent: cannot run %s: %s\n", argv[0], std::strerror(errno));
    std::fflush(nullptr);
    _exit(127);
  }
  close(po[1]);
  close(pe[1]);
  ex_ = Exec();
  ex_.started = true;
  ex_.id = f.seq;
  ex_.pid = pid;
  ex_.out_fd = po[0];
  ex_.err_fd = pe[0];
}

void Agent::ReadPipe(int* fd, std::string* buf, uint8_t type) {
  char b[16384];
  const ssize_t n = read(*fd, b, sizeof b);
  if (n > 0) {
    const size_t from = buf->size();
    buf->append(b, static_cast<size_t>(n));
    SendStream(type, *buf, from);
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    close(*fd);
    *fd = -1;
  }
}

void Agent::Handle(const Frame& f) {
  switch (f.type) {
    case kHello: {
      struct utsname u {};
      uname(&u);
      char cwd[4096] = {0};
      if (!getcwd(cwd, sizeof cwd)) cwd[0] = 0;
      SendText(kHelloOk, f.seq, std::string("{\"protocol\":1,\"runner\":\"eqrun\",\"version\":") + JsonString(kVersion) + ",\"machine\":" + JsonString(u.machine) +
                                    ",\"sysname\":" + JsonString(u.sysname) + ",\"root\":" + JsonString(cwd) + "}");
      break;
    }
    case kOpen: OnOpen(f); break;
    case kData: OnData(f); break;
    case kCommit: OnCommit(f); break;
    case kHash: OnHash(f); break;
    case kRead: OnRead(f); break;
    case kExec: OnExec(f); break;
    case kFetch: {
      const auto a = SplitNul(f.payload);
      if (ex_.started && ex_.id == f.seq && a.size() == 2)
        SendStream(a[0] == "2" ? kStderr : kStdout, a[0] == "2" ? ex_.err : ex_.out, std::strtoull(a[1].c_str(), nullptr, 10));
      break;
    }
    case kStatus:
      if (ex_.started && ex_.id == f.seq && ex_.done) SendExit();
      else Send(kKeepalive, f.seq);
      break;
    default: break;  // unknown or device-to-host types: ignore
  }
}

int Agent::Loop() {
  int64_t last_tick = NowMs(), last_byte = NowMs();
  uint64_t bad_seen = 0;
  std::vector<Frame> frames;
  uint8_t buf[65536];
  while (link_ok_) {
    struct pollfd p[3];
    int n = 0;
    p[n++] = {in_, POLLIN, 0};
    const int out_i = ex_.out_fd >= 0 ? n : -1;
    if (ex_.out_fd >= 0) p[n++] = {ex_.out_fd, POLLIN, 0};
    const int err_i = ex_.err_fd >= 0 ? n : -1;
    if (ex_.err_fd >= 0) p[n++] = {ex_.err_fd, POLLIN, 0};
    const int r = poll(p, n, 50);
    if (r < 0 && errno != EINTR) break;
    if (r > 0 && (p[0].revents & (POLLIN | POLLHUP | POLLERR))) {
      const ssize_t got = read(in_, buf, sizeof buf);
      if (got == 0 || (got < 0 && errno != EINTR && errno != EAGAIN)) break;  // link closed
      if (got > 0) {
        last_byte = NowMs();
        frames.clear();
        dec_.Push(buf, static_cast<size_t>(got), &frames);
        if (dec_.bad_frames() != bad_seen) {
          bad_seen = dec_.bad_frames();
          if (up_.active) Nak();
        }
        for (const Frame& f : frames) Handle(f);
      }
    }
    if (out_i >= 0 && (p[out_i].revents & (POLLIN | POLLHUP | POLLERR))) ReadPipe(&ex_.out_fd, &ex_.out, kStdout);
    if (err_i >= 0 && (p[err_i].revents & (POLLIN | POLLHUP | POLLERR))) ReadPipe(&ex_.err_fd, &ex_.err, kStderr);
    if (ex_.started && !ex_.done && ex_.out_fd < 0 && ex_.err_fd < 0) {
      int status = 0;
      if (waitpid(ex_.pid, &status, 0) == ex_.pid) {
        ex_.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        ex_.sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      }
      ex_.done = true;
      SendExit();
    }
    const int64_t now = NowMs();
    if (dec_.partial() && now - last_byte > 200) {  // inter-byte idle timeout
      frames.clear();
      dec_.Timeout(&frames);
      bad_seen = dec_.bad_frames();
      if (up_.active) Nak();
      for (const Frame& f : frames) Handle(f);
      last_byte = now;
    }
    if (now - last_tick >= 100) {
      last_tick = now;
      if (up_.active) Send(kAck, static_cast<uint32_t>(up_.expected));
      else Send(kKeepalive, 0);
    }
  }
  CloseUpload();
  return 0;
}

}  // namespace

int CmdAgent(int argc, char** argv) {
  const Args a = ParseArgs(argc, argv, 2, {}, {"tty", "root", "baud"});
  if (a.Has("root") && chdir(a.Get("root").c_str()) != 0) Fail(Errno("cannot enter --root " + a.Get("root")));
  signal(SIGPIPE, SIG_IGN);
  int in = 0, out = 1;
  if (a.Has("tty")) {
    const int fd = open(a.Get("tty").c_str(), O_RDWR | O_NOCTTY);
    if (fd < 0) Fail(Errno("cannot open " + a.Get("tty")));
    struct termios t {};
    if (tcgetattr(fd, &t) == 0) {
      cfmakeraw(&t);
      const long baud = a.GetInt("baud", 115200, 50, 4000000);
      const speed_t sp = baud == 9600 ? B9600 : baud == 57600 ? B57600 : baud == 230400 ? B230400 : baud == 460800 ? B460800 : baud == 921600 ? B921600 : B115200;
      cfsetispeed(&t, sp);
      cfsetospeed(&t, sp);
      t.c_cc[VMIN] = 1;
      t.c_cc[VTIME] = 0;
      tcsetattr(fd, TCSANOW, &t);
    }
    in = out = fd;
  }
  std::fprintf(stderr, "eqrun agent: serving on %s\n", a.Has("tty") ? a.Get("tty").c_str() : "stdin/stdout");
  Agent agent(in, out);
  return agent.Loop();
}

}  // namespace eqrun
