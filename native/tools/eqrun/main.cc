// eqrun: the on-device runner (docs/deploy.md). No Node dependency; statically linked for boards.
//   eqrun info                                         board facts as JSON
//   eqrun bench model.eqm [--warmup W] [--runs R] [--threads T] [--isa I] [--json]
//   eqrun infer model.eqm --in batch.bin --out out.bin [--threads T]
//   eqrun hash FILE...                                 sha256 of files
//   eqrun agent [--tty DEV] [--root DIR]               serial protocol server (stdin/stdout by default)
// Every error prints one line "eqrun: <message>" on stderr and exits with status 1 (2: usage).
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "commands.h"
#include "util.h"

namespace eqrun {

int EqrunMain(int argc, char** argv) {
  const char* usage =
      "usage: eqrun info | bench MODEL [--warmup W --runs R --threads T --isa I --no-autotune --json] | infer MODEL --in BATCH --out OUT | hash FILE... | "
      "agent [--tty DEV] [--root DIR]\n";
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "info") return CmdInfo(argc, argv);
    if (cmd == "bench") return CmdBench(argc, argv);
    if (cmd == "infer") return CmdInfer(argc, argv);
    if (cmd == "hash") return CmdHash(argc, argv);
    if (cmd == "agent") return CmdAgent(argc, argv);
    if (cmd == "--help" || cmd == "help") {
      std::fputs(usage, stdout);
      return 0;
    }
    std::fprintf(stderr, "eqrun: unknown command '%s'\n%s", cmd.c_str(), usage);
    return 2;
  } catch (const Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "eqrun: %s\n", e.message.c_str());
    return 1;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "eqrun: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eqrun: %s\n", e.what());
    return 1;
  }
}

}  // namespace eqrun

int main(int argc, char** argv) { return eqrun::EqrunMain(argc, argv); }
