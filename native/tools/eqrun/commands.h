// eqrun subcommands. Each returns the process exit code and reports errors by Fail().
#pragma once

namespace eqrun {

constexpr const char* kVersion = "1";

int CmdInfo(int argc, char** argv);
int CmdBench(int argc, char** argv);
int CmdInfer(int argc, char** argv);
int CmdHash(int argc, char** argv);
int CmdAgent(int argc, char** argv);

// Runs one eqrun command line (argv[0] is the program name); catches every error.
int EqrunMain(int argc, char** argv);

}  // namespace eqrun
