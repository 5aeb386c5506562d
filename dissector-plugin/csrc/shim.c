/* The plugin's C shim (see shim.h). Every Wireshark call that can THROW is
 * made here, inside TRY/CATCH_ALL, so no longjmp crosses a Rust frame. */
#include <string.h>
#include <glib.h>
#include <epan/packet.h>
#include <epan/proto.h>
#include <epan/expert.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include <epan/proto_data.h>
#include <epan/column-utils.h>
#include <epan/tap.h>
#include <epan/dissectors/packet-sctp.h>
#include <epan/prefs.h>
#include <epan/stat_tap_ui.h>
#include <stdio.h>
#include <ws_version.h>
#include "shim.h"

/* Version differences of the C API the shim uses, chosen from the headers'
 * own ws_version.h (the same headers bindgen reads). */
#define SCTPKIT_WS_AT_LEAST(maj, min) \
    (WIRESHARK_VERSION_MAJOR > (maj) || \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

/* 4.6 deprecates dissector_try_uint_new (now a static inline calling it)
 * for dissector_try_uint_with_data, which 4.0 to 4.4 do not have. */
#if SCTPKIT_WS_AT_LEAST(4, 6)
#define sctpkit_try_uint dissector_try_uint_with_data
#else
#define sctpkit_try_uint dissector_try_uint_new
#endif

#define SCTPKIT_MAX_DEPTH 64
#define SCTPKIT_MAX_PPIDS 8
#define SCTPKIT_LAST_PPID 0xffffffffu

static int addr_kind(const address *a)
{
    if (a->type == AT_IPv4 && a->len == 4)
        return 4;
    if (a->type == AT_IPv6 && a->len == 16)
        return 6;
    return 0;
}

void sctpkit_pinfo_get(packet_info *pinfo, tvbuff_t *tvb, sctpkit_pinfo *out)
{
    memset(out, 0, sizeof *out);
    out->frame = pinfo->num;
    out->visited = pinfo->fd->visited ? 1 : 0;
    out->in_error_pkt = pinfo->flags.in_error_pkt ? 1 : 0;
    out->src_type = addr_kind(&pinfo->src);
    out->dst_type = addr_kind(&pinfo->dst);
    if (out->src_type)
        memcpy(out->src, pinfo->src.data, (size_t)pinfo->src.len);
    if (out->dst_type)
        memcpy(out->dst, pinfo->dst.data, (size_t)pinfo->dst.len);
    out->captured_len = tvb_captured_length(tvb);
    out->reported_len = tvb_reported_length(tvb);
    out->abs_secs = (int64_t)pinfo->abs_ts.secs;
    out->abs_nsecs = (int32_t)pinfo->abs_ts.nsecs;
}

int sctpkit_tvb_copy(tvbuff_t *tvb, uint8_t *buf, uint32_t len)
{
    volatile int rc = 0;
    TRY {
        tvb_memcpy(tvb, buf, 0, len);
    }
    CATCH_ALL {
        rc = 1;
    }
    ENDTRY;
    return rc;
}

void sctpkit_set_ports(packet_info *pinfo, uint16_t sport, uint16_t dport)
{
    pinfo->ptype = PT_SCTP;
    pinfo->srcport = sport;
    pinfo->destport = dport;
}

void sctpkit_col_protocol(packet_info *pinfo, const char *text)
{
    col_set_str(pinfo->cinfo, COL_PROTOCOL, text);
    col_clear(pinfo->cinfo, COL_INFO);
}

void sctpkit_note_ppid(packet_info *pinfo, int proto_sctp, uint32_t ppi)
{
    if (proto_sctp <= 0)
        return;
    for (guint32 i = 0; i < SCTPKIT_MAX_PPIDS; i++) {
        void *p = p_get_proto_data(pinfo->pool, pinfo, proto_sctp, i);
        guint32 v = p ? GPOINTER_TO_UINT(p) : SCTPKIT_LAST_PPID;
        if (v == ppi)
            return;
        if (!p || v == SCTPKIT_LAST_PPID) {
            if (p)
                p_remove_proto_data(pinfo->pool, pinfo, proto_sctp, i);
            p_add_proto_data(pinfo->pool, pinfo, proto_sctp, i, GUINT_TO_POINTER(ppi));
            return;
        }
    }
}

static dissector_table_t ppi_table(void)
{
    static dissector_table_t t = NULL;
    if (!t)
        t = find_dissector_table("sctp.ppi");
    return t;
}

static dissector_table_t port_table(void)
{
    static dissector_table_t t = NULL;
    if (!t)
        t = find_dissector_table("sctp.port");
    return t;
}

static heur_dissector_list_t heur_list(void)
{
    static heur_dissector_list_t h = NULL;
    if (!h)
        h = find_heur_dissector_list("sctp");
    return h;
}

static void handoff(tvbuff_t *payload, packet_info *pinfo, proto_tree *tree, guint32 ppi,
                    guint16 sport, guint16 dport)
{
    heur_dtbl_entry_t *hdtbl_entry;
    guint32 low = MIN(sport, dport), high = MAX(sport, dport);
    void *data = GUINT_TO_POINTER(ppi);
    if (ppi_table() && sctpkit_try_uint(ppi_table(), ppi, payload, pinfo, tree, TRUE, data))
        return;
    if (port_table() && low != 0 && sctpkit_try_uint(port_table(), low, payload, pinfo, tree, TRUE, data))
        return;
    if (port_table() && high != 0 && sctpkit_try_uint(port_table(), high, payload, pinfo, tree, TRUE, data))
        return;
    if (heur_list() && dissector_try_heuristic(heur_list(), payload, pinfo, tree, &hdtbl_entry, data))
        return;
    call_data_dissector(payload, pinfo, tree);
}

static int do_handoff(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int32_t offset, int32_t caplen,
                      int32_t replen, const uint8_t *data, uint32_t data_len, uint32_t ppi,
                      uint16_t sport, uint16_t dport, int proto_sctp)
{
    volatile int rc = 0;
    TRY {
        tvbuff_t *payload;
        if (data) {
            guint8 *copy = (guint8 *)wmem_memdup(pinfo->pool, data, data_len);
            payload = tvb_new_child_real_data(tvb, copy, data_len, data_len);
            add_new_data_source(pinfo, payload, "Reassembled SCTP Message");
        } else {
            payload = tvb_new_subset_length_caplen(tvb, offset, caplen, replen);
        }
        sctpkit_note_ppid(pinfo, proto_sctp, ppi);
        handoff(payload, pinfo, tree, ppi, sport, dport);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
        rc = 1;
    }
    CATCH_ALL {
        rc = 1;
    }
    ENDTRY;
    return rc;
}

/* The layers. Wireshark enables Telephony -> SCTP (Analyse this Association,
 * ...) only when "sctp" is among the frame's layers, and every call through
 * a dissector handle adds that handle's protocol to them. The handle in
 * ip.proto / udp.port stays sctpkit's own (Decode As, -d ...,sctpkit and
 * -G decodes keep naming sctpkit); it calls sctpkit's dissection through a
 * second, anonymous handle of the built-in "sctp" protocol, so a frame's
 * layers read ...:ip:sctpkit:sctp:<upper layer> (the upper layers still sit
 * on "sctp", as with the built-in). Appending to pinfo->layers by hand is
 * not an option: call_dissector_work() removes layers by count
 * (remove_last_layer() asserts on 4.0). */
static sctpkit_dissector_fn layered_dissect;
static dissector_handle_t sctp_layer;
static int layered_proto_sctp = -1;
static const char *kit_short_name;

/* The "sctp" layer's dissector: sctpkit's, with sctpkit's name as the
 * current protocol (what expert info and exceptions report; call_dissector
 * restores the caller's afterwards). */
static int sctp_layer_dissect(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (kit_short_name)
        pinfo->current_proto = kit_short_name;
    return layered_dissect(tvb, pinfo, tree, data);
}

/* The dissector of sctpkit's table handle. With the built-in "sctp"
 * protocol disabled (--disable-protocol sctp) its handle would dissect
 * nothing, so sctpkit then dissects without the "sctp" layer. */
static int sctpkit_table_dissect(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (sctp_layer && proto_is_protocol_enabled(find_protocol_by_id(layered_proto_sctp)))
        return call_dissector_only(sctp_layer, tvb, pinfo, tree, data);
    return layered_dissect(tvb, pinfo, tree, data);
}

dissector_handle_t sctpkit_create_handle(sctpkit_dissector_fn dissect, int proto, int proto_sctp)
{
    layered_dissect = dissect;
    kit_short_name = proto_get_protocol_short_name(find_protocol_by_id(proto));
    if (proto_sctp > 0 && find_protocol_by_id(proto_sctp)) {
        layered_proto_sctp = proto_sctp;
        sctp_layer = create_dissector_handle(sctp_layer_dissect, proto_sctp);
    }
    return create_dissector_handle(sctpkit_table_dissect, proto);
}

static const int32_t *mirror_table;
static uint32_t mirror_len;
static int32_t mirror_base;

void sctpkit_set_mirror(const int32_t *table, uint32_t len, int32_t base)
{
    mirror_table = table;
    mirror_len = len;
    mirror_base = base;
}

int sctpkit_twin_hf(int ours, const char *abbrev)
{
    header_field_info *a, *b;
    int id = proto_registrar_get_id_byname(abbrev);
    if (id <= 0 || ours <= 0)
        return -1;
    a = proto_registrar_get_nth((guint)ours);
    b = proto_registrar_get_nth((guint)id);
    if (!a || !b || a->type != b->type || a->bitmask != b->bitmask)
        return -1;
    return id;
}

/* The built-in twin of field hf, or -1. */
static int twin_of(int hf)
{
    uint32_t k = (uint32_t)(hf - mirror_base);
    if (!mirror_table || hf < mirror_base || k >= mirror_len)
        return -1;
    return mirror_table[k] > 0 ? mirror_table[k] : -1;
}

/* The built-in twin of field hf, or -1; also -1 when nothing will look at
 * the twin under `tree` (no visible tree, no filter or column naming it):
 * a hidden item nobody reads is not worth adding. */
static int mirror_of(proto_tree *tree, int hf)
{
    int twin = twin_of(hf);
    if (twin <= 0 || !proto_field_is_referenced(tree, twin))
        return -1;
    return twin;
}

/* The hidden `sctp` protocol item under `top`; returns its subtree, where
 * the checksum twin goes (its status item cannot be hidden by itself). */
static proto_tree *mirror_protocol(proto_tree *top, tvbuff_t *tvb, int proto_sctp, int ett)
{
    proto_item *ti;
    if (proto_sctp <= 0)
        return NULL;
    ti = proto_tree_add_item(top, proto_sctp, tvb, 0, -1, ENC_NA);
    proto_item_set_hidden(ti);
    return proto_item_add_subtree(ti, ett);
}

static void apply_ops(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, proto_tree *root,
                      int proto, int ett, int proto_sctp, uint16_t sport, uint16_t dport,
                      const sctpkit_op *ops, uint32_t n, int mirror)
{
    int twin;
    /* The `sctp` item always (one per packet: `-Y sctp` keeps working); the
     * twin fields only when asked. */
    proto_tree *mtree = mirror_protocol(root, tvb, proto_sctp, ett);
    proto_tree *stack[SCTPKIT_MAX_DEPTH];
    int depth = 0;
    proto_tree *top = root;
    proto_item *last = NULL;
    proto_item *ti;
    for (uint32_t i = 0; i < n; i++) {
        const sctpkit_op *o = &ops[i];
        const char *text = o->text ? o->text : "";
        switch (o->kind) {
        case SCTPKIT_OP_ITEM:
            last = proto_tree_add_item(top, o->hf, tvb, o->start, o->length, o->enc);
            if (mirror && (twin = mirror_of(top, o->hf)) > 0)
                proto_item_set_hidden(proto_tree_add_item(top, twin, tvb, o->start, o->length, o->enc));
            break;
        case SCTPKIT_OP_UINT:
            last = proto_tree_add_uint(top, o->hf, tvb, o->start, o->length, (guint32)o->value);
            if ((mirror || o->aux) && (twin = mirror_of(top, o->hf)) > 0)
                proto_item_set_hidden(proto_tree_add_uint(top, twin, tvb, o->start, o->length,
                                                          (guint32)o->value));
            break;
        case SCTPKIT_OP_PUSH:
            if (depth < SCTPKIT_MAX_DEPTH) {
                stack[depth++] = top;
                top = proto_item_add_subtree(last, o->ett);
            }
            break;
        case SCTPKIT_OP_POP:
            if (depth > 0)
                top = stack[--depth];
            break;
        case SCTPKIT_OP_APPEND:
            proto_item_append_text(last, "%s", text);
            break;
        case SCTPKIT_OP_SET_TEXT:
            proto_item_set_text(last, "%s", text);
            break;
        case SCTPKIT_OP_SET_LEN:
            proto_item_set_len(last, o->length);
            break;
        case SCTPKIT_OP_EXPERT:
            proto_tree_add_expert_format(top, pinfo, (expert_field *)o->ptr, tvb, o->start, o->length, "%s", text);
            break;
        case SCTPKIT_OP_EXPERT_ITEM:
            expert_add_info_format(pinfo, last, (expert_field *)o->ptr, "%s", text);
            break;
        case SCTPKIT_OP_GENERATED:
            proto_item_set_generated(last);
            break;
        case SCTPKIT_OP_HIDDEN:
            proto_item_set_hidden(last);
            break;
        case SCTPKIT_OP_CHECKSUM:
            last = proto_tree_add_checksum(top, tvb, o->start, o->hf, o->ett, (expert_field *)o->ptr,
                                           pinfo, (guint32)o->value, ENC_BIG_ENDIAN, o->enc);
            /* The checksum twin and its status twin go together: a filter
             * may name only the status (from 4.4 on that no longer marks
             * the checksum field itself referenced). */
            if (mirror && mtree && (twin = twin_of(o->hf)) > 0 &&
                (mirror_of(mtree, o->hf) > 0 || mirror_of(mtree, o->ett) > 0)) {
                int status = twin_of(o->ett);
                proto_item_set_hidden(proto_tree_add_checksum(mtree, tvb, o->start, twin,
                                                              status > 0 ? status : -1, NULL, pinfo,
                                                              (guint32)o->value, ENC_BIG_ENDIAN, o->enc));
            }
            break;
        case SCTPKIT_OP_NEWPROTO:
            ti = proto_tree_add_item(tree, proto, tvb, 0, -1, ENC_NA);
            top = proto_item_add_subtree(ti, ett);
            depth = 0;
            mtree = mirror_protocol(top, tvb, proto_sctp, ett);
            break;
        case SCTPKIT_OP_HANDOFF:
            do_handoff(tvb, pinfo, tree, o->start, o->length, (int32_t)o->aux, (const uint8_t *)o->ptr,
                       o->enc, o->aux2, sport, dport, proto_sctp);
            break;
        case SCTPKIT_OP_TIME: {
            int64_t ns = (int64_t)o->value;
            nstime_t t;
            t.secs = (time_t)(ns / 1000000000);
            t.nsecs = (int)(ns % 1000000000);
            last = proto_tree_add_time(top, o->hf, tvb, o->start, o->length, &t);
            break;
        }
        case SCTPKIT_OP_STRING:
            last = proto_tree_add_string(top, o->hf, tvb, o->start, o->length, text);
            break;
        case SCTPKIT_OP_COL_INFO:
            col_append_str(pinfo->cinfo, COL_INFO, text);
            break;
        case SCTPKIT_OP_COL_FENCE:
            col_set_fence(pinfo->cinfo, COL_INFO);
            break;
        case SCTPKIT_OP_TEXT:
            if (depth < SCTPKIT_MAX_DEPTH) {
                stack[depth++] = top;
                top = proto_tree_add_subtree(top, tvb, o->start, o->length, o->ett, &last, text);
            }
            break;
        default:
            break;
        }
    }
}

int sctpkit_apply(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, int proto, int ett,
                  int proto_sctp, uint16_t sport, uint16_t dport, const sctpkit_op *ops, uint32_t n,
                  int mirror)
{
    volatile int rc = 0;
    TRY {
        proto_item *ti = proto_tree_add_item(tree, proto, tvb, 0, -1, ENC_NA);
        proto_tree *sub = proto_item_add_subtree(ti, ett);
        apply_ops(tvb, pinfo, tree, sub, proto, ett, proto_sctp, sport, dport, ops, n, mirror);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
        rc = 1;
    }
    CATCH_ALL {
        rc = 1;
    }
    ENDTRY;
    return rc;
}


void sctpkit_tap_sctp(tvbuff_t *tvb, packet_info *pinfo,
                      const sctpkit_tap_facts *facts, const sctpkit_tap_span *spans, uint32_t n)
{
    static int tap_id = -1;
    struct _sctp_info *info;
    volatile uint32_t k = 0;
    uint32_t i;

    if (tap_id < 0)
        tap_id = find_tap_id("sctp");
    if (tap_id == 0 || n == 0 || pinfo->flags.in_error_pkt)
        return;
    /* Per packet, in the packet's pool: the listeners run at the end of the
     * frame, after other SCTP packets of the same frame may be dissected. */
    info = wmem_new0(pinfo->pool, struct _sctp_info);
    info->verification_tag = facts->verification_tag;
    info->sport = facts->sport;
    info->dport = facts->dport;
    info->checksum_zero = facts->checksum_zero != 0;
    info->crc32c_calculated = facts->crc32c_calculated != 0;
    info->crc32c_correct = facts->crc32c_correct != 0;
    info->adler32_calculated = facts->adler32_calculated != 0;
    info->adler32_correct = facts->adler32_correct != 0;
    info->vtag_reflected = facts->vtag_reflected != 0;
    info->assoc_index = facts->assoc_index;
    info->direction = facts->direction;
    copy_address_wmem(pinfo->pool, &info->ip_src, &pinfo->src);
    copy_address_wmem(pinfo->pool, &info->ip_dst, &pinfo->dst);
    TRY {
        for (i = 0; i < n && k < MAXIMUM_NUMBER_OF_TVBS; i++) {
            gint cap = tvb_captured_length_remaining(tvb, (gint)spans[i].start);
            guint32 len = spans[i].length;
            if (cap < 0)
                cap = 0;
            info->tvb[k] = tvb_new_subset_length_caplen(tvb, (gint)spans[i].start,
                                                        MIN((gint)len, cap), (gint)len);
            k++;
        }
    }
    CATCH_ALL {
        /* keep the entries made before the one that did not fit */
    }
    ENDTRY;
    info->number_of_tvbs = k;
    info->incomplete = n > k;
    if (k > 0)
        tap_queue_packet(tap_id, pinfo, info);
}

void sctpkit_register_filename_pref(struct pref_module *module, const char *name, const char *title,
                                    const char *desc, const char **var)
{
    prefs_register_filename_preference(module, name, title, desc, var, FALSE);
}

/* -z sctpkit,assoc / -z sctpkit,streams: the tables come from the analysis
 * that dissection ran (Rust); the listener only asks for a draw at the end. */
static sctpkit_stats_fn stats_draw;
static uint32_t stats_kinds[2] = {0, 1};

static void stats_draw_cb(void *tapdata)
{
    fflush(stdout);
    if (stats_draw)
        stats_draw(*(const uint32_t *)tapdata);
}

static int stats_listen(void *userdata)
{
    GString *err = register_tap_listener("sctp", userdata, NULL, TL_REQUIRES_NOTHING, NULL, NULL,
                                         stats_draw_cb, NULL);
    if (err) {
        fprintf(stderr, "sctpkit: cannot listen to the sctp tap: %s\n", err->str);
        g_string_free(err, TRUE);
        return 0;
    }
    return 1;
}

/* The init callback returns whether it worked from 4.6 on (void before). */
#if SCTPKIT_WS_AT_LEAST(4, 6)
static bool stats_init(const char *opt_arg, void *userdata)
{
    (void)opt_arg;
    return stats_listen(userdata) != 0;
}
#else
static void stats_init(const char *opt_arg, void *userdata)
{
    (void)opt_arg;
    (void)stats_listen(userdata);
}
#endif

/* Telephony -> SCTP (the enum value was renamed between 4.0 and 4.4; 4.2 not checked). */
#if SCTPKIT_WS_AT_LEAST(4, 4)
#define SCTPKIT_STAT_GROUP REGISTER_TELEPHONY_GROUP_SCTP
#else
#define SCTPKIT_STAT_GROUP REGISTER_STAT_GROUP_TELEPHONY_SCTP
#endif

static stat_tap_ui stats_assoc = {
    SCTPKIT_STAT_GROUP, "SCTP associations (sctpkit)", "sctpkit,assoc", stats_init, 0, NULL,
};
static stat_tap_ui stats_streams = {
    SCTPKIT_STAT_GROUP, "SCTP streams (sctpkit)", "sctpkit,streams", stats_init, 0, NULL,
};

void sctpkit_register_stats(sctpkit_stats_fn draw)
{
    stats_draw = draw;
    register_stat_tap_ui(&stats_assoc, &stats_kinds[0]);
    register_stat_tap_ui(&stats_streams, &stats_kinds[1]);
}
