//! `init_logging` installs a global subscriber once; a second call must be a no-op.

#[test]
fn init_logging_twice_is_a_no_op() {
    let _first = nba_runtime::init_logging("first").unwrap();
    let second = nba_runtime::init_logging("second").unwrap();
    assert!(second.0.is_none(), "the second call installs nothing");
    assert!(tracing::dispatcher::has_been_set(), "a global subscriber is installed");
    tracing::info!("still logging after two calls");
}
