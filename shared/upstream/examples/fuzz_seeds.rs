//! Writes the seed corpora of the upstream fuzz targets: the response body of every fixture
//! in [`nba_upstream::decoders::ALL`] (gunzipped, cassettes unwrapped) into
//! `<dir>/upstream_<family>/`. `make fuzz` runs it before fuzzing.
//!
//! `cargo run -p nba-upstream --example fuzz_seeds -- fuzz/corpus`

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "fuzz/corpus".into()));
    let mut written = 0;
    for d in nba_upstream::decoders::ALL {
        let target = dir.join(format!("upstream_{}", d.family));
        std::fs::create_dir_all(&target)?;
        for path in d.fixtures {
            let name: String = path
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            std::fs::write(target.join(name), nba_upstream::decoders::response_body(path))?;
            written += 1;
        }
    }
    println!("{written} seeds under {}", dir.display());
    Ok(())
}
