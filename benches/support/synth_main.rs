//! `cargo run --release --example synth -- N DIR`: writes the synthetic project of N services
//! (see synth.rs beside this file) to DIR.

#[path = "synth.rs"]
mod synth;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(n), Some(dir)) = (args.first().and_then(|n| n.parse().ok()), args.get(1)) else {
        eprintln!("usage: synth N DIR");
        std::process::exit(2);
    };
    if let Err(e) = synth::write(n, std::path::Path::new(dir)) {
        eprintln!("synth: cannot write {dir}: {e}");
        std::process::exit(1);
    }
}
