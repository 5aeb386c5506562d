//! `sctp-craft graph` draws what tshark sees: on a real usrsctp association
//! (captures/usrsctp-bulk-fragmented.pcapng, two 64 KiB messages from the
//! client on port 5001), the TSN picture has a dot per DATA chunk the client
//! sent and a step per SACK the server sent, the RTT picture a dot per
//! acknowledged TSN (tshark's `sctp.sack_rtt`), the window picture a step
//! per a_rwnd; every mark lies inside the plot; the SVG renders (rsvg).

use std::path::{Path, PathBuf};
use std::process::Command;

fn capture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../captures/usrsctp-bulk-fragmented.pcapng")
}

const PORTS: [&str; 4] = ["-d", "udp.port==39899,sctp", "-d", "udp.port==39900,sctp"];

/// tshark's values of `field` in frames matching `filter`, one per occurrence.
fn tshark_values(filter: &str, field: &str) -> Vec<String> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(capture())
        .args(PORTS)
        .args(["-2", "-o", "sctp.relative_tsns:FALSE", "-Y", filter])
        .args(["-T", "fields", "-E", "occurrence=a", "-e", field])
        .output()
        .expect("tshark is needed");
    String::from_utf8_lossy(&out.stdout)
        .split([',', '\n'])
        .filter(|x| !x.trim().is_empty())
        .map(String::from)
        .collect()
}

fn graph(kind: &str) -> String {
    let out = std::env::temp_dir().join(format!("sctpkit-graph-{}-{kind}.svg", std::process::id()));
    let st = Command::new(env!("CARGO_BIN_EXE_sctp-craft"))
        .args([
            "graph",
            "--udp-port",
            "39899",
            "--udp-port",
            "39900",
            "--kind",
            kind,
        ])
        .arg("-o")
        .arg(&out)
        .arg(capture())
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    // A real renderer reads it.
    let png = out.with_extension("png");
    let r = Command::new("rsvg-convert")
        .arg("-o")
        .arg(&png)
        .arg(&out)
        .output()
        .expect("rsvg-convert (librsvg2-bin) is needed");
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
    std::fs::remove_file(&png).ok();
    let svg = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).ok();
    svg
}

/// A rectangle: left, top, right, bottom.
type Area = (f64, f64, f64, f64);

/// The marks of colour `color` (dots, and the number of points of its
/// staircases) and the plot area.
fn marks(svg: &str, color: &str) -> (Vec<(f64, f64)>, usize, Area) {
    let doc = roxmltree::Document::parse(svg).expect("well-formed SVG");
    let clip = doc
        .descendants()
        .find(|n| n.has_tag_name("clipPath"))
        .and_then(|c| c.first_element_child())
        .expect("plot area");
    let num = |n: roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
    let area = (
        num(clip, "x"),
        num(clip, "y"),
        num(clip, "x") + num(clip, "width"),
        num(clip, "y") + num(clip, "height"),
    );
    let mut dots = Vec::new();
    let mut steps = 0;
    for g in doc
        .descendants()
        .filter(|n| n.attribute("fill") == Some(color))
    {
        for c in g.children().filter(|c| c.has_tag_name("circle")) {
            dots.push((num(c, "cx"), num(c, "cy")));
        }
    }
    for p in doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && n.attribute("stroke") == Some(color))
        .filter(|n| n.attribute("fill") == Some("none"))
    {
        // M x y, then "L x ly L x y" per further point.
        steps += 1 + p.attribute("d").unwrap().matches('L').count() / 2;
    }
    (dots, steps, area)
}

fn inside(points: &[(f64, f64)], (x0, y0, x1, y1): Area) -> bool {
    points
        .iter()
        .all(|&(x, y)| x >= x0 - 0.1 && x <= x1 + 0.1 && y >= y0 - 0.1 && y <= y1 + 0.1)
}

#[test]
fn tsn_rtt_and_window_pictures_draw_what_tshark_sees() {
    let data = tshark_values("sctp.srcport == 5001", "sctp.data_tsn_raw");
    let sacks = tshark_values("sctp.srcport == 5000", "sctp.sack_cumulative_tsn_ack_raw");
    let rtts = tshark_values("sctp.srcport == 5000", "sctp.sack_rtt");
    let rwnd = tshark_values("sctp.srcport == 5000", "sctp.sack_a_rwnd");
    assert!(data.len() >= 92 && !sacks.is_empty());

    let svg = graph("tsn");
    let (dots, steps, area) = marks(&svg, "#1f77b4");
    assert_eq!(dots.len(), data.len(), "a dot per DATA chunk");
    assert!(inside(&dots, area));
    // Higher TSNs higher up: the dots climb from left to right.
    let mut by_x = dots.clone();
    by_x.sort_by(|a, b| a.0.total_cmp(&b.0));
    assert!(by_x.first().unwrap().1 > by_x.last().unwrap().1);
    assert_eq!(steps, 0);
    let (_, cum_steps, _) = marks(&svg, "#2ca02c");
    assert_eq!(cum_steps, sacks.len(), "a step per SACK");

    let svg = graph("rtt");
    let (dots, _, area) = marks(&svg, "#1f77b4");
    assert_eq!(dots.len(), rtts.len(), "a dot per acknowledged TSN");
    assert!(inside(&dots, area));

    let svg = graph("rwnd");
    let (_, w, _) = marks(&svg, "#2ca02c");
    assert_eq!(w, rwnd.len(), "a step per advertised window");
}
