//! Writes the seed corpora of the upstream fuzz targets: the response body of every fixture
//! in [`nba_upstream::decoders::ALL`] (gunzipped, cassettes unwrapped) into
//! `<dir>/upstream_<family>/`. `make fuzz` runs it before fuzzing.
//!
//! A JSON body is shrunk first (every array cut to its first three items, written compactly)
//! when its parser still takes the shrunk form: a fuzzer spends its time on the shape, not on
//! re-parsing hundreds of identical rows.
//!
//! `cargo run -p nba-upstream --example fuzz_seeds -- fuzz/corpus`

use std::path::PathBuf;

use serde_json::Value;

fn shrink(v: &mut Value) {
    match v {
        Value::Array(items) => {
            items.truncate(3);
            items.iter_mut().for_each(shrink);
        }
        Value::Object(map) => map.values_mut().for_each(shrink),
        _ => {}
    }
}

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
            let mut body = nba_upstream::decoders::response_body(path);
            if let Ok(mut v) = serde_json::from_slice::<Value>(&body) {
                shrink(&mut v);
                let small = serde_json::to_vec(&v).expect("JSON serialises");
                if (d.decode)(&small).is_ok() {
                    body = small;
                }
            }
            std::fs::write(target.join(name), body)?;
            written += 1;
        }
    }
    println!("{written} seeds under {}", dir.display());
    Ok(())
}
