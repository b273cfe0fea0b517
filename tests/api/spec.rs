//! The committed spec must be exactly what the code generates.

#[test]
fn the_committed_openapi_json_matches_the_code() {
    let generated = serde_json::to_string_pretty(&bantin::openapi()).expect("spec") + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json differs from the code. Regenerate it with:\n    cargo run -- openapi > openapi/openapi.json"
    );
}
