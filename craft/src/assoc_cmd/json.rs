//! `sctp-craft assoc --json`: one object per association (RFC 9260 1.3) a
//! line, `{"association": {...}}`, with the same content as the text tables.
//! Times in seconds; chunk counts keyed by chunk type number (as `dissect
//! --stats --json`).

use std::fmt::Write as _;
use std::net::IpAddr;

use sctp_codec::analysis::{AssocSummary, DirStats, Ending, InitInfo, RttStats};

use crate::output::json::push_str;

fn key(out: &mut String, k: &str) {
    out.push('"');
    out.push_str(k);
    out.push_str("\":");
}

fn num(out: &mut String, k: &str, v: impl std::fmt::Display) {
    key(out, k);
    let _ = write!(out, "{v},");
}

fn addr_list(out: &mut String, k: &str, a: &[IpAddr]) {
    key(out, k);
    out.push('[');
    for (i, x) in a.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str(out, &x.to_string());
    }
    out.push_str("],");
}

fn end_obj(out: &mut String) {
    if out.ends_with(',') {
        out.pop();
    }
    out.push('}');
}

fn chunks(out: &mut String, c: &[u64; 256]) {
    key(out, "chunks");
    out.push('{');
    for (t, n) in c.iter().enumerate().filter(|(_, n)| **n > 0) {
        num(out, &t.to_string(), n);
    }
    end_obj(out);
    out.push(',');
}

fn rtt(out: &mut String, r: &RttStats) {
    rtt_named(out, "rtt", r);
}

fn rtt_named(out: &mut String, name: &str, r: &RttStats) {
    key(out, name);
    match r.seconds() {
        Some((min, avg, max)) => {
            out.push('{');
            num(out, "samples", r.samples);
            num(out, "min", format!("{min:.9}"));
            num(out, "avg", format!("{avg:.9}"));
            num(out, "max", format!("{max:.9}"));
            end_obj(out);
            out.push(',');
        }
        None => out.push_str("null,"),
    }
}

fn init(out: &mut String, i: &InitInfo) {
    out.push('{');
    num(out, "frame", i.frame);
    key(out, "type");
    push_str(out, if i.is_ack { "INIT ACK" } else { "INIT" });
    out.push(',');
    num(out, "initiate_tag", i.initiate_tag);
    num(out, "a_rwnd", i.a_rwnd);
    num(out, "outbound_streams", i.outbound_streams);
    num(out, "inbound_streams", i.inbound_streams);
    num(out, "initial_tsn", i.initial_tsn);
    addr_list(out, "addresses", &i.addresses);
    key(out, "extensions");
    let e: Vec<String> = i.extensions.iter().map(|t| t.to_string()).collect();
    let _ = write!(out, "[{}],", e.join(","));
    num(out, "forward_tsn", i.forward_tsn);
    num(out, "ecn", i.ecn);
    num(out, "zero_checksum", i.zero_checksum);
    key(out, "auth");
    match &i.auth {
        Some(a) => {
            let c: Vec<String> = a.chunk_types().iter().map(|t| t.to_string()).collect();
            let h: Vec<String> = a.hmac_ids().iter().map(|t| t.to_string()).collect();
            let _ = write!(
                out,
                "{{\"chunks\":[{}],\"hmac_ids\":[{}]}},",
                c.join(","),
                h.join(",")
            );
        }
        None => out.push_str("null,"),
    }
    end_obj(out);
}

fn ending(out: &mut String, e: &Ending) {
    key(out, "ending");
    out.push('{');
    key(out, "kind");
    push_str(out, e.name());
    out.push(',');
    key(out, "text");
    push_str(out, &e.describe());
    out.push(',');
    match e {
        Ending::Shutdown {
            by,
            shutdown,
            ack,
            complete,
        } => {
            key(out, "by");
            push_str(out, by.name());
            out.push(',');
            num(out, "shutdown_frame", shutdown);
            if let Some(a) = ack {
                num(out, "shutdown_ack_frame", a);
            }
            if let Some(c) = complete {
                num(out, "shutdown_complete_frame", c);
            }
        }
        Ending::Abort {
            by,
            frame,
            causes,
            reflected,
        } => {
            key(out, "by");
            push_str(out, by.name());
            out.push(',');
            num(out, "frame", frame);
            let c: Vec<String> = causes.iter().map(|c| c.to_string()).collect();
            key(out, "causes");
            let _ = write!(out, "[{}],", c.join(","));
            num(out, "t_bit", reflected);
        }
        Ending::Restarted { frame } => num(out, "frame", frame),
        Ending::Open | Ending::InitUnanswered => {}
    }
    end_obj(out);
    out.push(',');
}

fn direction(out: &mut String, name: &str, d: &DirStats) {
    out.push('{');
    key(out, "dir");
    push_str(out, name);
    out.push(',');
    num(out, "src_port", d.src_port);
    num(out, "dst_port", d.dst_port);
    key(out, "vtag");
    match d.vtag {
        Some(v) => {
            let _ = write!(out, "{v},");
        }
        None => out.push_str("null,"),
    }
    num(out, "packets", d.packets);
    num(out, "bytes", d.bytes);
    chunks(out, &d.chunks);
    num(out, "data_chunks", d.data_chunks);
    num(out, "user_bytes", d.user_bytes);
    num(out, "messages", d.messages.count);
    num(out, "fragmented_messages", d.messages.fragmented);
    num(out, "message_bytes", d.messages.bytes);
    if d.messages.count > 0 {
        num(out, "message_min", d.messages.min);
        num(out, "message_max", d.messages.max);
    }
    num(out, "retransmissions", d.retransmissions);
    num(out, "retransmitted_bytes", d.retransmitted_bytes);
    num(out, "retransmissions_of_acked", d.acked_before);
    num(out, "gaps", d.gaps);
    num(out, "gap_tsns", d.gap_tsns);
    num(out, "out_of_window", d.out_of_window);
    num(out, "acked_tsns", d.acked_tsns);
    rtt(out, &d.rtt);
    num(out, "max_in_flight", d.max_in_flight);
    num(out, "sacks", d.sacks);
    num(out, "stale_sacks", d.stale_sacks);
    num(out, "dup_tsns_reported", d.dup_tsns_reported);
    num(out, "revoked", d.revoked);
    key(out, "a_rwnd");
    if d.rwnd.samples > 0 {
        let _ = write!(
            out,
            "{{\"min\":{},\"max\":{},\"last\":{},\"zero\":{}}},",
            d.rwnd.min, d.rwnd.max, d.rwnd.last, d.rwnd.zero
        );
    } else {
        out.push_str("null,");
    }
    num(out, "evicted_tsns", d.evicted_tsns);
    num(out, "dropped_fragments", d.dropped_fragments);
    key(out, "paths");
    out.push('[');
    for (i, p) in d.paths.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        key(out, "src");
        push_str(out, &p.src.to_string());
        out.push(',');
        key(out, "dst");
        push_str(out, &p.dst.to_string());
        out.push(',');
        num(out, "packets", p.packets);
        chunks(out, &p.chunks);
        rtt(out, &p.rtt);
        num(out, "heartbeats", p.heartbeats);
        num(out, "heartbeats_answered", p.heartbeats_answered);
        rtt_named(out, "hb_rtt", &p.hb_rtt);
        end_obj(out);
    }
    out.push_str("],");
    end_obj(out);
}

/// Writes association `s` as one JSON object (no newline).
pub fn association(out: &mut String, s: &AssocSummary) {
    out.push_str("{\"association\":{");
    num(out, "id", s.id);
    num(out, "first_frame", s.first_frame);
    num(out, "last_frame", s.last_frame);
    num(out, "first_time", format!("{:.9}", s.first_ns as f64 / 1e9));
    num(out, "duration", format!("{:.9}", s.duration()));
    key(out, "endpoints");
    out.push('[');
    for k in 0..2 {
        if k > 0 {
            out.push(',');
        }
        out.push('{');
        addr_list(out, "addresses", &s.addresses[k]);
        num(out, "port", s.dirs[k].src_port);
        end_obj(out);
    }
    out.push_str("],");
    key(out, "init");
    out.push('[');
    for (k, i) in s.init.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        match i {
            Some(i) => init(out, i),
            None => out.push_str("null"),
        }
    }
    out.push_str("],");
    key(out, "negotiated");
    match s.negotiated() {
        Some(n) => {
            out.push('{');
            num(out, "streams_forward", n.streams_forward);
            num(out, "streams_reverse", n.streams_reverse);
            key(out, "extensions");
            out.push('[');
            for (i, e) in n.extensions.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str(out, e);
            }
            out.push(']');
            out.push('}');
            out.push(',');
        }
        None => out.push_str("null,"),
    }
    ending(out, &s.ending);
    let a = &s.auth;
    let _ = write!(
        out,
        "\"auth\":{{\"verified\":{},\"bad\":{},\"unchecked\":{},\"unauthenticated\":{}}},",
        a.verified, a.bad, a.unchecked, a.unauthenticated
    );
    key(out, "directions");
    out.push('[');
    direction(out, "forward", &s.dirs[0]);
    out.push(',');
    direction(out, "reverse", &s.dirs[1]);
    out.push_str("],");
    key(out, "streams");
    out.push('[');
    let mut first = true;
    for (k, m) in s.streams.iter().enumerate() {
        for (id, st) in m {
            if !first {
                out.push(',');
            }
            first = false;
            let _ = write!(
                out,
                "{{\"dir\":\"{}\",\"stream\":{id},\"data_chunks\":{},\"user_bytes\":{},\"messages\":{},\"fragmented\":{},\"retransmissions\":{}}}",
                if k == 0 { "forward" } else { "reverse" },
                st.data_chunks,
                st.user_bytes,
                st.messages,
                st.fragmented,
                st.retransmissions
            );
        }
    }
    out.push(']');
    out.push_str("}}");
}
