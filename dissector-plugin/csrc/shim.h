/* The plugin's C shim: what is a macro or static inline in the Wireshark
 * headers, and every call that can THROW (longjmp), wrapped in
 * TRY/CATCH_ALL so that no exception ever crosses a Rust frame. */
#ifndef SCTPKIT_SHIM_H
#define SCTPKIT_SHIM_H

#include <stdint.h>

struct tvbuff;
struct _packet_info;
struct _proto_node;

/* One tree operation; Rust fills an array, C applies it inside one TRY. */
enum sctpkit_op_kind {
    SCTPKIT_OP_ITEM = 1,      /* proto_tree_add_item(top, hf, start, len, enc) -> last */
    SCTPKIT_OP_UINT = 2,      /* proto_tree_add_uint(top, hf, start, len, value) -> last;
                                 aux 1: also under the twin whatever `mirror` says */
    SCTPKIT_OP_PUSH = 3,      /* top = proto_item_add_subtree(last, ett) */
    SCTPKIT_OP_POP = 4,       /* top = previous top */
    SCTPKIT_OP_APPEND = 5,    /* proto_item_append_text(last, text) */
    SCTPKIT_OP_EXPERT = 6,    /* proto_tree_add_expert_format(top, ei=ptr, start, len, text) */
    SCTPKIT_OP_EXPERT_ITEM = 7, /* expert_add_info_format(last, ei=ptr, text) */
    SCTPKIT_OP_GENERATED = 8, /* proto_item_set_generated(last) */
    SCTPKIT_OP_HIDDEN = 9,    /* proto_item_set_hidden(last) */
    SCTPKIT_OP_CHECKSUM = 10, /* proto_tree_add_checksum(top, start, hf, hf2=ett, ei=ptr, value, flags=enc) */
    SCTPKIT_OP_TEXT = 11,     /* proto_tree_add_subtree(top, start, len, ett, text) -> last, pushed */
    SCTPKIT_OP_SET_TEXT = 12, /* proto_item_set_text(last, text) */
    SCTPKIT_OP_SET_LEN = 13,  /* proto_item_set_len(last, len) */
    SCTPKIT_OP_NEWPROTO = 14, /* a new protocol item at the root; top = its subtree */
    SCTPKIT_OP_HANDOFF = 15,  /* payload to upper layers: start=offset, length=caplen,
                                 aux=reported length, aux2=PPID, ptr/enc = reassembled
                                 data and its length (ptr NULL: bytes of the tvb) */
    SCTPKIT_OP_COL_INFO = 16, /* col_append_str(COL_INFO, text) */
    SCTPKIT_OP_COL_FENCE = 17, /* col_set_fence(COL_INFO): what an upper layer writes
                                 next goes after the text so far */
    SCTPKIT_OP_TIME = 18,     /* proto_tree_add_time(top, hf, start, len, value: signed ns) -> last */
    SCTPKIT_OP_STRING = 19,   /* proto_tree_add_string(top, hf, start, len, text) -> last */
};

typedef struct sctpkit_op {
    uint32_t kind;
    int32_t hf;
    int32_t ett;
    int32_t start;
    int32_t length;
    uint32_t enc;
    uint64_t value;
    const void *ptr;   /* expert_field* for expert ops */
    const char *text;  /* NUL-terminated, or NULL */
    uint32_t aux;
    uint32_t aux2;
} sctpkit_op;

/* sctpkit's dissector handle for ip.proto / udp.port: it runs `dissect`
 * through an anonymous handle of the built-in "sctp" protocol (`proto_sctp`),
 * so that "sctp" is among the frame's layers (...:sctpkit:sctp:<upper>), and
 * directly when that protocol is disabled. Call once. */
struct dissector_handle;
typedef int (*sctpkit_dissector_fn)(struct tvbuff *, struct _packet_info *, struct _proto_node *, void *);
struct dissector_handle *sctpkit_create_handle(sctpkit_dissector_fn dissect, int proto, int proto_sctp);

/* Facts about the packet that Rust needs, read without throwing. */
typedef struct sctpkit_pinfo {
    uint32_t frame;
    int32_t visited;
    int32_t in_error_pkt;
    int32_t src_type;   /* 4: IPv4, 6: IPv6, 0: other */
    int32_t dst_type;
    uint8_t src[16];
    uint8_t dst[16];
    uint32_t captured_len;
    uint32_t reported_len;
    int64_t abs_secs;   /* capture time (pinfo->abs_ts) */
    int32_t abs_nsecs;
} sctpkit_pinfo;

void sctpkit_pinfo_get(struct _packet_info *pinfo, struct tvbuff *tvb, sctpkit_pinfo *out);
/* Copies the captured bytes (len <= captured length); 0 on success. */
int sctpkit_tvb_copy(struct tvbuff *tvb, uint8_t *buf, uint32_t len);
/* Sets ports and port type, and the protocol / info columns. */
void sctpkit_set_ports(struct _packet_info *pinfo, uint16_t sport, uint16_t dport);
void sctpkit_col_protocol(struct _packet_info *pinfo, const char *text);
/* Adds the protocol item and applies ops under its subtree (HANDOFF ops hand
 * payloads to sctp.ppi, then sctp.port low/high, heuristics, data, each in
 * its own TRY); returns 0, or 1 when an exception was caught (then shown as
 * malformed). */
int sctpkit_apply(struct tvbuff *tvb, struct _packet_info *pinfo, struct _proto_node *tree,
                  int proto, int ett, int proto_sctp, uint16_t sport, uint16_t dport,
                  const sctpkit_op *ops, uint32_t n, int mirror);
/* Each sctpkit protocol item gets a hidden `sctp` item (`-Y sctp` works).
 * With `mirror` set in sctpkit_apply, every ITEM / UINT / CHECKSUM op whose
 * field has a built-in twin is also added, hidden, under the built-in's
 * field, so display filters, colouring rules and columns written for
 * `sctp.*` keep working.
 * `table[hf - base]` is the twin of field hf, or -1; the table must outlive
 * every later dissection. */
void sctpkit_set_mirror(const int32_t *table, uint32_t len, int32_t base);
/* The built-in field `abbrev` if it can stand for field `ours` (same type
 * and bitmask), else -1. */
int sctpkit_twin_hf(int ours, const char *abbrev);
/* Records a PPID the way the built-in does (p_add_proto_data of proto_sctp). */
void sctpkit_note_ppid(struct _packet_info *pinfo, int proto_sctp, uint32_t ppi);

/* One entry of the built-in "sctp" tap record: a chunk, or an IPv4/IPv6
 * address parameter of an INIT / INIT ACK, header to padding included
 * (start in the SCTP tvb; length as reported, clipped to the packet). */
typedef struct sctpkit_tap_span {
    uint32_t start;
    uint32_t length;
} sctpkit_tap_span;

/* The packet-wide facts of the "sctp" tap record (struct _sctp_info). */
typedef struct sctpkit_tap_facts {
    uint32_t verification_tag;
    uint16_t sport;
    uint16_t dport;
    int32_t checksum_zero;
    int32_t crc32c_calculated;
    int32_t crc32c_correct;
    int32_t adler32_calculated;
    int32_t adler32_correct;
    int32_t vtag_reflected;
    /* The association (see src/assoc.rs): index, direction 1 or 2. */
    uint16_t assoc_index;
    uint16_t direction;
} sctpkit_tap_facts;

/* Queues the packet to the built-in SCTP dissector's "sctp" tap (what
 * `-z sctp,stat`, `-z conv,sctp` and Telephony > SCTP read), as the
 * built-in would: not inside ICMP errors, not without chunks, at most
 * MAXIMUM_NUMBER_OF_TVBS entries (then marked incomplete). */
void sctpkit_tap_sctp(struct tvbuff *tvb, struct _packet_info *pinfo,
                      const sctpkit_tap_facts *facts, const sctpkit_tap_span *spans, uint32_t n);

/* A filename preference of `module` (a module_t); Wireshark owns *var
 * (it re-allocates it when the preference changes). */
struct pref_module;
void sctpkit_register_filename_pref(struct pref_module *module, const char *name, const char *title,
                                    const char *desc, const char **var);

/* Registers the `-z sctpkit,assoc` and `-z sctpkit,streams` statistics: a
 * listener on the "sctp" tap whose draw callback calls `draw` with 0
 * (associations) or 1 (streams), after flushing C's stdout. */
typedef void (*sctpkit_stats_fn)(uint32_t kind);
void sctpkit_register_stats(sctpkit_stats_fn draw);

#endif
