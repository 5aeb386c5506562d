//! Registration: the protocol, its fields (from [`crate::fields::Catalog`]),
//! subtrees, expert items and preferences; and the hand-off that takes over
//! (or gives back) IP protocol 132 and the UDP encapsulation port.

use std::sync::{Mutex, OnceLock};

use crate::analysis;
use crate::ffi::{self, ExpertId, ExpertReg, FilenamePref, Group, Handle, PrefCell, Severity};
use crate::fields::Catalog;

/// The IP protocol number of SCTP.
pub const IP_PROTO_SCTP: u32 = 132;
/// The UDP encapsulation port of RFC 6951.
pub const UDP_PORT_SCTP: u32 = 9899;

/// Subtree kinds.
#[derive(Debug, Clone, Copy)]
pub enum Ett {
    /// The protocol item.
    Protocol = 0,
    /// A chunk.
    Chunk,
    /// A parameter.
    Param,
    /// An error cause.
    Cause,
    /// A flags octet.
    Flags,
    /// The action bits of a type.
    TypeBits,
    /// A list record.
    Record,
    /// A packet inside PKTDROP.
    Packet,
    /// Reassembled message fragments.
    Fragments,
    /// The association analysis.
    Analysis,
}
const NETT: usize = 10;

/// The expert items.
#[derive(Debug, Clone, Copy)]
pub struct Experts {
    /// Checksum does not verify.
    pub bad_checksum: ExpertId,
    /// A Length field that cannot be right.
    pub bad_length: ExpertId,
    /// A value that does not decode as its type.
    pub malformed: ExpertId,
    /// A codec lint (non-zero padding, parameter not allowed, ...).
    pub lint: ExpertId,
    /// A message fragment.
    pub fragment: ExpertId,
}

/// Checksum verification preference values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChecksumPref {
    /// Do not verify.
    None = 0,
    /// CRC32c (RFC 9260).
    Crc32c = 1,
    /// Adler-32 (RFC 2960).
    Adler32 = 2,
}

/// The preference cells.
#[derive(Debug, Clone, Copy)]
pub struct Prefs {
    /// Take over IP protocol 132 and the UDP port from the built-in.
    pub takeover: PrefCell,
    /// The UDP encapsulation port.
    pub udp_port: PrefCell,
    /// Checksum verification.
    pub checksum: PrefCell,
    /// Dialect: 0 standard, 1 S-SCTP, 2 auto.
    pub dialect: PrefCell,
    /// Reassemble fragmented user messages.
    pub reassemble: PrefCell,
    /// Also add the built-in's `sctp.*` fields, hidden.
    pub builtin_fields: PrefCell,
    /// The association analysis (`sctpkit.analysis.*`).
    pub analysis: PrefCell,
    /// The SCTP-AUTH key file (docs/auth-keys.md).
    pub auth_keys: FilenamePref,
}

impl Prefs {
    /// The checksum preference.
    pub fn checksum(&self) -> ChecksumPref {
        match self.checksum.get() {
            1 => ChecksumPref::Crc32c,
            2 => ChecksumPref::Adler32,
            _ => ChecksumPref::None,
        }
    }
    /// The dialect preference.
    pub fn dialect(&self) -> sctp_codec::Dialect {
        match self.dialect.get() {
            0 => sctp_codec::Dialect::Standard,
            1 => sctp_codec::Dialect::SecureSctp,
            _ => sctp_codec::Dialect::Auto,
        }
    }
}

/// Everything registered, as the dissector needs it.
#[derive(Debug)]
pub struct Registered {
    /// Our protocol id.
    pub proto: i32,
    /// The field catalog.
    pub catalog: Catalog,
    /// Field ids, parallel to `catalog.regs`.
    pub ids: Vec<i32>,
    etts: Vec<i32>,
    /// Expert items.
    pub experts: Experts,
    /// Preferences.
    pub prefs: Prefs,
    /// The analysis' field ids.
    pub analysis_ids: analysis::Ids,
    /// The analysis' expert items.
    pub analysis_experts: analysis::Experts,
}

impl Registered {
    /// The subtree id of a kind.
    pub fn ett(&self, e: Ett) -> i32 {
        self.etts[e as usize]
    }
}

static REGISTERED: OnceLock<Registered> = OnceLock::new();

/// What has been registered, once `register` ran.
pub fn registered() -> Option<&'static Registered> {
    REGISTERED.get()
}

/// Registers the protocol, fields, subtrees, expert items and preferences.
pub fn register() {
    let proto = ffi::register_protocol("SCTP (sctpkit)", "SCTPkit", "sctpkit");
    let catalog = Catalog::build();
    let ids = ffi::register_fields(proto, &catalog.regs);
    let analysis_ids = analysis::Ids::new(ffi::register_fields(proto, &analysis::field_regs()));
    let etts = ffi::register_subtrees(NETT);
    let e = |abbrev: &str, group, severity, summary: &str| ExpertReg {
        abbrev: format!("sctpkit.{abbrev}"),
        group,
        severity,
        summary: summary.to_string(),
    };
    let ex = ffi::register_experts(
        proto,
        &[
            e(
                "checksum_bad.expert",
                Group::Checksum,
                Severity::Error,
                "Bad checksum",
            ),
            e(
                "length.bad",
                Group::Malformed,
                Severity::Error,
                "Bad length",
            ),
            e(
                "malformed",
                Group::Malformed,
                Severity::Error,
                "Malformed value",
            ),
            e("lint", Group::Protocol, Severity::Warn, "Protocol lint"),
            e(
                "message_fragment",
                Group::Reassemble,
                Severity::Note,
                "Message fragment",
            ),
            e(
                "analysis.retransmission.expert",
                Group::Sequence,
                Severity::Note,
                "Retransmission",
            ),
            e(
                "analysis.acked_before.expert",
                Group::Sequence,
                Severity::Warn,
                "Duplicate TSN: sent again after it was acknowledged",
            ),
            e(
                "analysis.gap.expert",
                Group::Sequence,
                Severity::Warn,
                "Previous segment(s) not captured",
            ),
            e(
                "analysis.out_of_window.expert",
                Group::Sequence,
                Severity::Warn,
                "TSN out of window",
            ),
            e(
                "analysis.revoked.expert",
                Group::Sequence,
                Severity::Warn,
                "Gap acknowledgements revoked",
            ),
            e(
                "analysis.auth.bad_hmac",
                Group::Security,
                Severity::Error,
                "Bad HMAC",
            ),
            e(
                "analysis.auth.unverified",
                Group::Security,
                Severity::Note,
                "AUTH not verified",
            ),
            e(
                "analysis.unauthenticated.expert",
                Group::Security,
                Severity::Warn,
                "Chunk without the AUTH its receiver requires",
            ),
        ],
    );
    let analysis_experts = analysis::Experts {
        retransmission: ex[5],
        duplicate: ex[6],
        lost: ex[7],
        out_of_window: ex[8],
        revoked: ex[9],
        bad_hmac: ex[10],
        unverified: ex[11],
        unauthenticated: ex[12],
    };
    let experts = Experts {
        bad_checksum: ex[0],
        bad_length: ex[1],
        malformed: ex[2],
        lint: ex[3],
        fragment: ex[4],
    };
    let m = ffi::register_prefs(proto);
    let prefs = Prefs {
        takeover: m.bool_pref(
            "takeover",
            "Take over SCTP from the built-in dissector",
            "Dissect IP protocol 132 and the UDP encapsulation port with sctpkit instead of \
             Wireshark's built-in SCTP dissector (off: the built-in stays in charge)",
            true,
        ),
        udp_port: m.uint_pref(
            "udp_port",
            "UDP encapsulation port",
            "The UDP port of SCTP over UDP (RFC 6951); 0 disables",
            UDP_PORT_SCTP,
        ),
        checksum: m.enum_pref(
            "checksum",
            "Checksum verification",
            "Which checksum to verify",
            &[
                ("none", "None", 0),
                ("crc32c", "CRC-32C", 1),
                ("adler32", "Adler-32", 2),
            ],
            ChecksumPref::Crc32c as i32,
        ),
        dialect: m.enum_pref(
            "dialect",
            "Dialect",
            "How type numbers shared by SCTP and S-SCTP are read: standard, S-SCTP, or auto \
             (S-SCTP once an association shows the S-SCTP handshake)",
            &[
                ("standard", "Standard SCTP", 0),
                ("ssctp", "S-SCTP", 1),
                ("auto", "Auto", 2),
            ],
            2,
        ),
        reassemble: m.bool_pref(
            "reassemble",
            "Reassemble fragmented user messages",
            "Reassemble DATA / I-DATA fragments (B/E bits) before handing them to upper layers",
            true,
        ),
        builtin_fields: m.bool_pref(
            "builtin_fields",
            "Also fill the built-in's sctp.* fields",
            "Add every field that has a twin in the built-in SCTP dissector a second time, \
             hidden, under the built-in's name, so display filters, colouring rules and \
             columns written for sctp.* keep working (costs about a quarter more time; \
             `sctp` itself always matches)",
            false,
        ),
        analysis: m.bool_pref(
            "analysis",
            "Association analysis",
            "Analyse each association (sctpkit.analysis.*: retransmissions, duplicate TSNs, \
             gaps, the SACK that acknowledged each TSN and the RTT, bytes in flight, \
             reassembly, SCTP-AUTH verification) and feed -z sctpkit,assoc and -z \
             sctpkit,streams",
            true,
        ),
        auth_keys: m.filename_pref(
            "auth_keys",
            "SCTP-AUTH key file",
            "A key file (docs/auth-keys.md: ASSOC, PAIR or ANY lines with a Shared Key \
             Identifier and the key) to verify AUTH chunks with (RFC 4895)",
        ),
    };
    ffi::register_stats();
    ffi::register_init();
    let _ = REGISTERED.set(Registered {
        proto,
        catalog,
        ids,
        etts,
        experts,
        prefs,
        analysis_ids,
        analysis_experts,
    });
}

#[derive(Debug, Default)]
struct HandoffState {
    handle: Option<Handle>,
    ip: bool,
    udp: Option<u32>,
}

static HANDOFF: Mutex<HandoffState> = Mutex::new(HandoffState {
    handle: None,
    ip: false,
    udp: None,
});

static PROTO_SCTP: OnceLock<i32> = OnceLock::new();

/// The built-in TSN fields shown relative to the first TSN by default
/// (`sctp.relative_tsns`): their absolute values go to the `_raw` twins.
const RELATIVE_IN_BUILTIN: &[&str] = &["data_tsn", "sack_cumulative_tsn_ack"];

/// For each of our fields `sctpkit.X` (a twin name), the
/// built-in's `sctp.X` when it can stand for it: `table[hf - base]`, -1 if
/// none. Built once, after every protocol registered its fields.
static MIRROR: OnceLock<(Vec<i32>, i32)> = OnceLock::new();

/// Whether to fill the built-in's fields (the preference). The table of
/// twins is built and handed to the shim on the first call either way: a few
/// fields go to their twin whatever the preference says
/// ([`crate::ffi::OpList::uint_twinned`]).
pub fn mirror_on(reg: &Registered) -> bool {
    let (table, base) = MIRROR.get_or_init(|| {
        let (lo, hi) = reg
            .ids
            .iter()
            .filter(|&&i| i > 0)
            .fold((i32::MAX, 0), |(lo, hi), &i| (lo.min(i), hi.max(i)));
        if lo > hi {
            return (Vec::new(), 0);
        }
        let mut table = vec![-1; (hi - lo + 1) as usize];
        for (r, &id) in reg.catalog.regs.iter().zip(&reg.ids) {
            let Some(x) = r.abbrev.strip_prefix("sctpkit.") else {
                continue;
            };
            // Our own fields (`sctpkit.<type>.<field>`) have no `sctp.` namesake.
            if RELATIVE_IN_BUILTIN.contains(&x) || id <= 0 {
                continue;
            }
            if let Some(twin) = ffi::twin_hf(id, &format!("sctp.{x}")) {
                table[(id - lo) as usize] = twin;
            }
        }
        (table, lo)
    });
    if table.is_empty() {
        return false;
    }
    // The shim keeps a pointer to the 'static table.
    static HANDED: OnceLock<()> = OnceLock::new();
    HANDED.get_or_init(|| ffi::set_mirror(table, *base));
    reg.prefs.builtin_fields.get() != 0
}

/// The built-in SCTP protocol id (looked up once, after all registrations).
pub fn proto_sctp() -> i32 {
    *PROTO_SCTP.get_or_init(|| ffi::protocol_id("sctp"))
}

/// Registers (or unregisters) the plugin on `ip.proto` 132 and the UDP port,
/// following the preferences; called at hand-off time and when they change.
pub fn handoff() {
    let Some(reg) = registered() else { return };
    let mut st = HANDOFF.lock().unwrap_or_else(|e| e.into_inner());
    let h = *st
        .handle
        .get_or_insert_with(|| ffi::create_handle(reg.proto, proto_sctp()));
    let builtin = ffi::find_dissector("sctp");
    let take = reg.prefs.takeover.get() != 0;
    let port = reg.prefs.udp_port.get() as u32;
    // Give back what we hold.
    if st.ip && !take {
        ffi::table_delete("ip.proto", IP_PROTO_SCTP, h);
        if let Some(b) = builtin {
            ffi::table_add("ip.proto", IP_PROTO_SCTP, b);
        }
        st.ip = false;
    }
    if let Some(old) = st.udp {
        if !take || old != port {
            ffi::table_delete("udp.port", old, h);
            if let (Some(b), UDP_PORT_SCTP) = (builtin, old) {
                ffi::table_add("udp.port", old, b);
            }
            st.udp = None;
        }
    }
    // Take what the preferences say.
    if take {
        if !st.ip {
            ffi::table_add("ip.proto", IP_PROTO_SCTP, h);
            st.ip = true;
        }
        if st.udp.is_none() && port != 0 && port <= 65535 {
            ffi::table_add("udp.port", port, h);
            st.udp = Some(port);
        }
    }
}
