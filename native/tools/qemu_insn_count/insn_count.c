/*
 * insn_count: a QEMU TCG plugin (plugin API version 1, QEMU 7.x user mode) that counts the
 * guest instructions an aarch64 program executes. Used by `npm run bench:arm`
 * (scripts/bench-arm-insns.ts) to estimate the ARM kernels' cost without a board.
 *
 *   qemu-aarch64 -cpu cortex-a53 -plugin ./insn-count.so,out=counts.txt prog args...
 *
 * Every translated block gets one inline 64-bit counter (incremented by generated code, no
 * callback per execution); at exit each block's executions × its instructions are summed
 * into the total, into instruction classes decoded from the A64 encoding (the multiplies the
 * INT8/INT7 kernels differ in) and per function symbol. A block left early by a fault would
 * be counted whole; the programs counted here take no faults. Single-threaded guests only:
 * the counters are not atomic.
 *
 * Output (text, one "key value" per line): "total N", "class NAME N", "symbol NAME N".
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The few declarations of QEMU's plugin API (include/qemu/qemu-plugin.h) this plugin uses. */
typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, qemu_plugin_vcpu_tb_trans_cb_t cb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb, void *userdata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
const char *qemu_plugin_insn_symbol(const struct qemu_plugin_insn *insn);
void qemu_plugin_outs(const char *string);

#define EXPORT __attribute__((visibility("default")))
EXPORT int qemu_plugin_version = 1;

/* Instruction classes: A64 encodings (mask, value), first match wins. */
enum { C_SDOT, C_SMLAL, C_SMULL, C_SADALP, C_FMLA, C_SIMD_OTHER, C_LOADSTORE, C_OTHER, C_N };
static const char *const kClassName[C_N] = {"sdot", "smlal", "smull", "sadalp", "fmla", "simd_other", "load_store", "other"};

static int Classify(uint32_t i) {
  if ((i & 0xBFE0FC00u) == 0x0E809400u || (i & 0xBFC0F400u) == 0x0F80E000u) return C_SDOT; /* vector, by element */
  if ((i & 0xBF20FC00u) == 0x0E208000u || (i & 0xBF00F400u) == 0x0F002000u) return C_SMLAL; /* SMLAL{2}: vector, by element */
  if ((i & 0xBF20FC00u) == 0x0E20C000u || (i & 0xBF00F400u) == 0x0F00A000u) return C_SMULL;
  /* the int16 -> int32 widenings: SADALP (accumulating) and SADDLP (INT7's short-K tile) */
  if ((i & 0xBF3FFC00u) == 0x0E206800u || (i & 0xBF3FFC00u) == 0x0E202800u) return C_SADALP;
  if ((i & 0xBFA0FC00u) == 0x0E20CC00u || (i & 0xBF80F400u) == 0x0F801000u) return C_FMLA;
  if (((i >> 25) & 7u) == 7u) return C_SIMD_OTHER; /* data processing, SIMD and FP */
  if (((i >> 25) & 5u) == 4u) return C_LOADSTORE;
  return C_OTHER;
}

typedef struct Block {
  uint64_t execs; /* incremented inline by the translated code */
  uint32_t n_insns;
  uint32_t n_class[C_N];
  const char *symbol;
  struct Block *next;
} Block;

static Block *blocks;
static char out_path[4096];

static void OnTranslate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  Block *b = calloc(1, sizeof *b);
  if (!b) abort();
  b->n_insns = (uint32_t)qemu_plugin_tb_n_insns(tb);
  for (size_t k = 0; k < b->n_insns; k++) {
    const struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, k);
    uint32_t word = 0;
    if (qemu_plugin_insn_size(insn) == 4) memcpy(&word, qemu_plugin_insn_data(insn), 4);
    b->n_class[Classify(word)]++;
    if (k == 0) b->symbol = qemu_plugin_insn_symbol(insn);
  }
  b->next = blocks;
  blocks = b;
  qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->execs, 1);
}

typedef struct {
  const char *name;
  uint64_t n;
} SymCount;

static void OnExit(qemu_plugin_id_t id, void *userdata) {
  (void)id;
  (void)userdata;
  uint64_t total = 0, cls[C_N] = {0};
  size_t n_syms = 0, cap = 256;
  SymCount *syms = malloc(cap * sizeof *syms);
  if (!syms) abort();
  for (const Block *b = blocks; b; b = b->next) {
    if (!b->execs) continue;
    total += b->execs * b->n_insns;
    for (int c = 0; c < C_N; c++) cls[c] += b->execs * b->n_class[c];
    const char *name = b->symbol ? b->symbol : "?";
    size_t s = 0;
    while (s < n_syms && strcmp(syms[s].name, name) != 0) s++;
    if (s == n_syms) {
      if (n_syms == cap) {
        cap *= 2;
        syms = realloc(syms, cap * sizeof *syms);
        if (!syms) abort();
      }
      syms[n_syms].name = name;
      syms[n_syms++].n = 0;
    }
    syms[s].n += b->execs * b->n_insns;
  }
  FILE *f = out_path[0] ? fopen(out_path, "w") : NULL;
  if (out_path[0] && !f) {
    qemu_plugin_outs("insn_count: cannot open the out= file\n");
    return;
  }
  char line[4096 + 64];
  snprintf(line, sizeof line, "total %" PRIu64 "\n", total);
  f ? (void)fputs(line, f) : qemu_plugin_outs(line);
  for (int c = 0; c < C_N; c++) {
    snprintf(line, sizeof line, "class %s %" PRIu64 "\n", kClassName[c], cls[c]);
    f ? (void)fputs(line, f) : qemu_plugin_outs(line);
  }
  for (size_t s = 0; s < n_syms; s++) {
    snprintf(line, sizeof line, "symbol %s %" PRIu64 "\n", syms[s].name, syms[s].n);
    f ? (void)fputs(line, f) : qemu_plugin_outs(line);
  }
  if (f) fclose(f);
  free(syms);
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  (void)info;
  for (int k = 0; k < argc; k++) {
    if (strncmp(argv[k], "out=", 4) == 0 && strlen(argv[k] + 4) < sizeof out_path) {
      strcpy(out_path, argv[k] + 4);
    } else {
      fprintf(stderr, "insn_count: unknown argument '%s' (expected out=FILE)\n", argv[k]);
      return -1;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, OnTranslate);
  qemu_plugin_register_atexit_cb(id, OnExit, NULL);
  return 0;
}
