//! One destination transport address of the peer: its RTO (RFC 9260 6.3),
//! congestion window (RFC 9260 7.2), error counter and reachability
//! (RFC 9260 8.2, with the potentially-failed state of RFC 7829), and its
//! heartbeat schedule (RFC 9260 8.3).

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use crate::config::Config;

/// Reachability of a destination (RFC 9260 8.2; RFC 7829 PF).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathState {
    /// Usable.
    Active,
    /// Potentially failed (RFC 7829 5.1): error count above the PF threshold.
    PotentiallyFailed,
    /// Error count above Path.Max.Retrans.
    Inactive,
}

/// A destination transport address and what we know of it.
#[derive(Debug)]
pub struct Path {
    /// Where packets go: the peer's IP address and, over UDP encapsulation,
    /// its encapsulation port (RFC 6951 5.4; 0 over raw IP).
    pub remote: SocketAddr,
    /// Our address packets to this destination leave from.
    pub local: IpAddr,
    /// Smoothed RTT (SRTT), once measured.
    srtt: Option<Duration>,
    rttvar: Duration,
    /// Current RTO (with any back-off).
    pub rto: Duration,
    /// Congestion window in bytes (RFC 9260 7.2).
    pub cwnd: usize,
    /// Slow-start threshold.
    pub ssthresh: usize,
    /// partial_bytes_acked (RFC 9260 7.2.2).
    pub partial_bytes_acked: usize,
    /// Bytes sent to this path and not yet acknowledged.
    pub flight: usize,
    /// Consecutive timeouts without an acknowledgement (RFC 9260 8.2).
    pub errors: u32,
    /// Reachability.
    pub state: PathState,
    /// Path MTU as an SCTP packet size: `Config::max_packet`, or less once
    /// an ICMP error lowered it (RFC 9260 7.3).
    pub mtu: usize,
    /// The packet size an ICMP Fragmentation Needed / Packet Too Big left
    /// (kept when the configuration changes).
    pub icmp_mtu: Option<usize>,
    /// When the next heartbeat is due.
    pub heartbeat_at: Option<Instant>,
    /// A heartbeat sent and not answered: its nonce and send time.
    pub heartbeat_out: Option<(u64, Instant)>,
    /// Whether a heartbeat ever came back (RFC 9260 5.4 "confirmed").
    pub confirmed: bool,
    /// Deleted by the peer's ASCONF (RFC 5061): never used again unless
    /// added back.
    pub removed: bool,
}

/// What [`crate::Status::paths`] says of one destination: RFC 6458 8.2.2
/// `struct sctp_paddrinfo` (`SCTP_GET_PEER_ADDR_INFO`) and its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStatus {
    /// The peer's address (and UDP encapsulation port, RFC 6951 5.4).
    pub remote: SocketAddr,
    /// Our address packets to it leave from.
    pub local: IpAddr,
    /// Reachability (RFC 9260 8.2; RFC 7829).
    pub state: PathState,
    /// Confirmed by the handshake or a HEARTBEAT ACK (RFC 9260 5.4).
    pub confirmed: bool,
    /// Congestion window in bytes (RFC 9260 7.2).
    pub cwnd: usize,
    /// Slow-start threshold (RFC 9260 7.2.1).
    pub ssthresh: usize,
    /// Bytes sent to it and not yet acknowledged.
    pub flight: usize,
    /// Smoothed RTT, once measured (RFC 9260 6.3.1).
    pub srtt: Option<Duration>,
    /// Current RTO, with any back-off (RFC 9260 6.3).
    pub rto: Duration,
    /// Consecutive timeouts without an acknowledgement (RFC 9260 8.2).
    pub errors: u32,
    /// Path MTU as an SCTP packet size (RFC 9260 7.3): the configured
    /// packet size, or less once an ICMP error lowered it.
    pub mtu: usize,
}

impl Path {
    /// What [`PathStatus`] says of this destination.
    pub fn status(&self) -> PathStatus {
        PathStatus {
            remote: self.remote,
            local: self.local,
            state: self.state,
            confirmed: self.confirmed,
            cwnd: self.cwnd,
            ssthresh: self.ssthresh,
            flight: self.flight,
            srtt: self.srtt,
            rto: self.rto,
            errors: self.errors,
            mtu: self.mtu,
        }
    }

    /// A new path with RTO.Initial and the initial cwnd of RFC 9260 7.2.1.
    pub fn new(remote: SocketAddr, cfg: &Config) -> Self {
        let mtu = cfg.max_packet;
        Path {
            remote,
            local: if remote.is_ipv4() {
                IpAddr::from([0, 0, 0, 0])
            } else {
                IpAddr::from([0u16; 8])
            },
            srtt: None,
            rttvar: Duration::ZERO,
            rto: cfg.rto_initial,
            cwnd: initial_cwnd(mtu),
            ssthresh: usize::MAX,
            partial_bytes_acked: 0,
            flight: 0,
            errors: 0,
            state: PathState::Active,
            mtu,
            icmp_mtu: None,
            heartbeat_at: None,
            heartbeat_out: None,
            confirmed: false,
            removed: false,
        }
    }

    /// Smoothed RTT, once measured.
    pub fn srtt(&self) -> Option<Duration> {
        self.srtt
    }

    /// Takes an RTT measurement (RFC 9260 6.3.1 C1-C3, RTO.Alpha 1/8,
    /// RTO.Beta 1/4, clamped to RTO.Min..RTO.Max).
    pub fn rtt_sample(&mut self, r: Duration, cfg: &Config) {
        match self.srtt {
            None => {
                self.srtt = Some(r);
                self.rttvar = r / 2;
            }
            Some(srtt) => {
                let diff = srtt.abs_diff(r);
                self.rttvar = self.rttvar * 3 / 4 + diff / 4;
                self.srtt = Some(srtt * 7 / 8 + r / 8);
            }
        }
        // G (clock granularity) is 1 ms here.
        let k = (4 * self.rttvar).max(Duration::from_millis(1));
        self.rto = (self.srtt.unwrap_or(r) + k).clamp(cfg.rto_min, cfg.rto_max);
    }

    /// Doubles the RTO after a timeout (RFC 9260 6.3.3 E2).
    pub fn back_off(&mut self, cfg: &Config) {
        self.rto = (self.rto * 2).min(cfg.rto_max);
    }

    /// Bytes acknowledged for the first time (RFC 9260 7.2.1 and 7.2.2):
    /// grows cwnd in slow start or congestion avoidance. `full` says whether
    /// the sender was using its whole cwnd before this SACK.
    pub fn on_acked(&mut self, bytes: usize, cum_advanced: bool, full: bool, in_recovery: bool) {
        if bytes == 0 || in_recovery {
            return;
        }
        if self.cwnd <= self.ssthresh {
            // Slow start: at most one MTU per SACK (L = 1, RFC 9260 7.2.1).
            if cum_advanced && full {
                self.cwnd += bytes.min(self.mtu);
            }
        } else {
            self.partial_bytes_acked += bytes;
            if self.partial_bytes_acked >= self.cwnd && full {
                self.partial_bytes_acked -= self.cwnd;
                self.cwnd += self.mtu;
            }
        }
    }

    /// Loss detected by fast retransmit (RFC 9260 7.2.4): halve.
    pub fn on_fast_loss(&mut self) {
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.ssthresh;
        self.partial_bytes_acked = 0;
    }

    /// T3-rtx expired (RFC 9260 7.2.3): back to one MTU.
    pub fn on_timeout_loss(&mut self) {
        self.ssthresh = (self.cwnd / 2).max(4 * self.mtu);
        self.cwnd = self.mtu;
        self.partial_bytes_acked = 0;
    }

    /// The path was idle for an RTO (RFC 9260 7.2.1): cwnd back to its
    /// initial value at most.
    pub fn on_idle(&mut self) {
        self.cwnd = self.cwnd.min(initial_cwnd(self.mtu));
    }

    /// Max.Burst (RFC 9260 7.2.4 and 6.1 B): no more than `burst` packets
    /// beyond what is in flight.
    pub fn limit_burst(&mut self, burst: usize) {
        let cap = self.flight + burst * self.mtu;
        if self.cwnd > cap {
            self.cwnd = cap;
        }
    }

    /// A timeout on this path (RFC 9260 8.2; RFC 7829 PF threshold 0 here,
    /// so the first timeout makes it potentially failed).
    pub fn on_error(&mut self, cfg: &Config) {
        self.errors += 1;
        if self.errors > cfg.path_max_retrans {
            self.state = PathState::Inactive;
        } else {
            self.state = PathState::PotentiallyFailed;
        }
    }

    /// Something on this path was acknowledged (RFC 9260 8.2, 8.3).
    pub fn on_reachable(&mut self) {
        self.errors = 0;
        self.state = PathState::Active;
    }
}

/// RFC 9260 7.2.1: min(4 * MTU, max(2 * MTU, 4404)).
pub fn initial_cwnd(mtu: usize) -> usize {
    (4 * mtu).min((2 * mtu).max(4404))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path() -> (Path, Config) {
        let cfg = Config::default();
        (Path::new("127.0.0.1:9899".parse().unwrap(), &cfg), cfg)
    }

    #[test]
    fn rto_follows_6_3_1() {
        let (mut p, cfg) = path();
        assert_eq!(p.rto, Duration::from_secs(1));
        p.rtt_sample(Duration::from_millis(2000), &cfg);
        // SRTT 2 s, RTTVAR 1 s, RTO = 2 + 4 = 6 s.
        assert_eq!(p.rto, Duration::from_secs(6));
        p.rtt_sample(Duration::from_millis(1000), &cfg);
        // RTTVAR = 3/4 * 1 + 1/4 * 1 = 1 s; SRTT = 7/8 * 2 + 1/8 = 1.875 s.
        assert_eq!(p.srtt(), Some(Duration::from_millis(1875)));
        assert_eq!(p.rto, Duration::from_millis(5875));
        p.rtt_sample(Duration::from_millis(1), &cfg);
        p.back_off(&cfg);
        assert!(p.rto <= cfg.rto_max);
        for _ in 0..10 {
            p.back_off(&cfg);
        }
        assert_eq!(p.rto, cfg.rto_max);
    }

    #[test]
    fn slow_start_then_congestion_avoidance() {
        let (mut p, _) = path();
        assert_eq!(p.cwnd, 4404, "min(4 MTU, max(2 MTU, 4404))");
        let start = p.cwnd;
        p.on_acked(5000, true, true, false);
        assert_eq!(p.cwnd, start + 1200, "at most one MTU per SACK");
        p.on_acked(100, true, false, false);
        assert_eq!(p.cwnd, start + 1200, "no growth when cwnd was not full");
        p.ssthresh = p.cwnd - 1;
        let cw = p.cwnd;
        p.on_acked(cw, true, true, false);
        assert_eq!(p.cwnd, cw + 1200);
        p.on_fast_loss();
        // Half of 6804 is below 4 MTU: ssthresh and cwnd are 4 MTU.
        assert_eq!((p.ssthresh, p.cwnd), (4800, 4800));
        p.on_timeout_loss();
        assert_eq!(p.cwnd, 1200);
        assert_eq!(p.ssthresh, 4800);
    }
}
